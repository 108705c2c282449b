import Crypto

/// A cluster node's word for the address a client called it from, carried when it forwards
/// the client's request to the leader: the leader counts per-address limits (sign-in
/// throttling) against that client, not against the forwarding node — which would put every
/// client of one node in one bucket, for an attacker to fill.
///
/// The seal is an HMAC under a key derived from the cluster's shared secret, over the address,
/// the time, and the request's method and path: a client cannot choose the address it is
/// counted under, nor move a seal onto another route, and a seal is good for ``tolerance``
/// seconds either way. (Whoever can read the traffic between nodes could replay one within
/// that time: run the nodes' traffic on a private network, as their database's.)
public struct ForwardedClientSeal: Sendable {
    /// How far, in seconds, a seal's time may be from the leader's clock.
    public static let tolerance: Int64 = 30

    // The derived key's bytes: `SymmetricKey` is not `Sendable` in this swift-crypto.
    private let derived: [UInt8]

    /// A seal whose key is derived from the cluster's shared `secret`, for this use only.
    public init(secret: [UInt8]) {
        derived = Array(HMAC<SHA256>.authenticationCode(for: Array("muster forwarded client v1".utf8), using: SymmetricKey(data: secret)))
    }

    /// The header value vouching that the request `method target` came from `address` at
    /// `seconds` since the epoch: `<address>;t=<seconds>;proof=<hex>`.
    public func seal(address: String, method: String, target: String, at seconds: Int64) -> String {
        "\(address);t=\(seconds);proof=\(Hex.lowercase(proof(address: address, method: method, target: target, at: seconds)))"
    }

    /// The address `value` vouches for, when this cluster sealed it for the request
    /// `method target` within ``tolerance`` of `now`; `nil` for anything else.
    public func open(_ value: String, method: String, target: String, now: Int64) -> String? {
        let parts = value.split(separator: ";", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[1].hasPrefix("t="), parts[2].hasPrefix("proof="),
            let seconds = Int64(parts[1].dropFirst(2)), seconds >= now - Self.tolerance, seconds <= now + Self.tolerance
        else { return nil }
        let address = String(parts[0])
        guard !address.isEmpty, address.count <= 64, address.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { return nil }
        let expected = Hex.lowercase(proof(address: address, method: method, target: target, at: seconds))
        let given = parts[2].dropFirst(6)
        // Compared in constant time: the proof is a secret until it is right.
        guard given.utf8.count == expected.utf8.count else { return nil }
        var difference: UInt8 = 0
        for (a, b) in zip(given.utf8, expected.utf8) { difference |= a ^ b }
        return difference == 0 ? address : nil
    }

    private func proof(address: String, method: String, target: String, at seconds: Int64) -> HMAC<SHA256>.MAC {
        HMAC<SHA256>.authenticationCode(for: Array("\(address)\n\(seconds)\n\(method) \(target)".utf8), using: SymmetricKey(data: derived))
    }
}
