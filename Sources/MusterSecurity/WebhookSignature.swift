import Crypto

/// The signature on each webhook request: the `Muster-Signature` header,
/// `t=<unix seconds>,v1=<hex HMAC-SHA256>`, where the HMAC is keyed by the subscription's
/// secret and taken over `"<t>.<body>"`.
///
/// Signing the timestamp with the body lets a receiver refuse a replayed request: it checks
/// the HMAC, then that `t` is recent (``verify(header:body:secret:now:tolerance:)``).
public enum WebhookSignature {
    /// The header's name.
    public static let headerName = "Muster-Signature"

    /// The header value for `body` sent at `timestamp` (seconds since the epoch).
    public static func header(body: [UInt8], secret: String, timestamp: Int64) -> String {
        header(body: body, secrets: [secret], timestamp: timestamp)
    }

    /// The header value signed by each of `secrets`, one `v1=` each in their order: during a
    /// secret's rotation both the new and the old secret sign, so a receiver that knows either
    /// accepts the request.
    public static func header(body: [UInt8], secrets: [String], timestamp: Int64) -> String {
        (["t=\(timestamp)"] + secrets.map { "v1=\(Hex.lowercase(mac(body: body, secret: $0, timestamp: timestamp)))" }).joined(separator: ",")
    }

    /// Whether `header` is a valid signature of `body` under `secret`, made within `tolerance`
    /// seconds of `now` (seconds since the epoch). Compares in constant time.
    public static func verify(header: String, body: [UInt8], secret: String, now: Int64, tolerance: Int64 = 300) -> Bool {
        var timestamp: Int64?
        var signatures = [[UInt8]]()
        for part in header.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1)
            guard pair.count == 2 else { continue }
            switch pair[0] {
            case "t": timestamp = Int64(pair[1])
            case "v1": if let bytes = unhex(pair[1]) { signatures.append(bytes) }
            default: continue
            }
        }
        guard let timestamp, abs(now - timestamp) <= tolerance else { return false }
        let key = SymmetricKey(data: Array(secret.utf8))
        let message = Array("\(timestamp).".utf8) + body
        return signatures.contains { HMAC<SHA256>.isValidAuthenticationCode($0, authenticating: message, using: key) }
    }

    private static func mac(body: [UInt8], secret: String, timestamp: Int64) -> [UInt8] {
        var hmac = HMAC<SHA256>(key: SymmetricKey(data: Array(secret.utf8)))
        hmac.update(data: Array("\(timestamp).".utf8))
        hmac.update(data: body)
        return Array(hmac.finalize())
    }

    private static func unhex(_ text: Substring) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count.isMultiple(of: 2) else { return nil }
        var bytes = [UInt8]()
        bytes.reserveCapacity(utf8.count / 2)
        var index = 0
        while index < utf8.count {
            guard let high = nibble(utf8[index]), let low = nibble(utf8[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }

    private static func nibble(_ character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): character - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): character - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): character - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
