import Dispatch
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns a host name into its addresses.
package protocol HostResolver: Sendable {
    /// Every address `host` resolves to; throws when it resolves to none.
    func addresses(of host: String) async throws -> [NetworkAddress]
}

/// The system resolver (`getaddrinfo`: `/etc/hosts`, then DNS), on a thread of its own so that
/// a slow name server never holds one of the few threads that serve requests.
package struct SystemHostResolver: HostResolver {
    /// The resolver of the system (`getaddrinfo`).
    package init() {}

    private static let queue = DispatchQueue(label: "muster.webhooks.resolver", attributes: .concurrent)

    package func addresses(of host: String) async throws -> [NetworkAddress] {
        try await withCheckedThrowingContinuation { continuation in
            Self.queue.async { continuation.resume(with: Result { try Self.resolve(host) }) }
        }
    }

    private static func resolve(_ host: String) throws -> [NetworkAddress] {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, nil, &hints, &list)
        guard status == 0, let list else { throw WebhookDestinationError("\(host) does not resolve: \(String(cString: gai_strerror(status)))") }
        defer { freeaddrinfo(list) }
        var addresses = [NetworkAddress]()
        var entry: UnsafeMutablePointer<addrinfo>? = list
        while let current = entry {
            // The address is only `ai_addrlen` bytes, sized by the C library for its family:
            // read the family from the entry itself and a sockaddr only when it is all there.
            let family = current.pointee.ai_family
            let length = Int(current.pointee.ai_addrlen)
            if let socket = current.pointee.ai_addr {
                switch family {
                case AF_INET where length >= MemoryLayout<sockaddr_in>.size:
                    let address = socket.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr.s_addr }
                    addresses.append(.v4(UInt32(bigEndian: address)))
                case AF_INET6 where length >= MemoryLayout<sockaddr_in6>.size:
                    var address = socket.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee.sin6_addr }
                    addresses.append(.v6(withUnsafeBytes(of: &address) { Array($0) }))
                default: break
                }
            }
            entry = current.pointee.ai_next
        }
        guard !addresses.isEmpty else { throw WebhookDestinationError("\(host) has no IPv4 or IPv6 address") }
        var seen = Set<NetworkAddress>()
        return addresses.filter { seen.insert($0).inserted }
    }
}

/// Why a webhook's URL may not be delivered to.
package struct WebhookDestinationError: Error, CustomStringConvertible {
    package let description: String
    package init(_ description: String) { self.description = description }
}

/// Where webhooks may go: public addresses only, unless the deployment allows private networks.
///
/// Checked twice. At registration a URL whose host is a loopback name or a non-public address in
/// any spelling is refused at once. At every delivery the host is resolved again and each of its
/// addresses checked, because a name can point anywhere later (DNS rebinding); the request then
/// connects to the address that was checked, never to a second lookup's answer.
package struct WebhookDestinations: Sendable {
    /// Whether loopback and private addresses are allowed (a receiver on the same machine or
    /// network; tests and walk-throughs).
    package var allowPrivateNetworks = false
    /// Resolves names at delivery.
    package var resolver: any HostResolver = SystemHostResolver()

    /// Destinations checked by `resolver`; private networks only when `allowPrivateNetworks`.
    package init(allowPrivateNetworks: Bool = false, resolver: any HostResolver = SystemHostResolver()) {
        self.allowPrivateNetworks = allowPrivateNetworks
        self.resolver = resolver
    }

    /// Refuses, at registration, a URL that names a place Muster never delivers to.
    package func checkRegistration(host rawHost: String) throws(WebhookDestinationError) {
        guard !allowPrivateNetworks else { return }
        let host = Self.normalised(rawHost)
        if host == "localhost" || host.hasSuffix(".localhost") {
            throw WebhookDestinationError("\(rawHost) is this machine")
        }
        if let address = NetworkAddress(numericHost: host), !address.isPublic {
            throw WebhookDestinationError("\(rawHost) is \(address), not a public internet address")
        }
    }

    /// Why a new endpoint is refused: not an absolute http(s) URL with a host (or with
    /// credentials or a fragment), or a host Muster never delivers to.
    package enum URLRefusal: Error {
        case malformed
        case notAllowed(WebhookDestinationError)
    }

    /// `text` when it is an absolute `http` or `https` URL with a host, no credentials and no
    /// fragment, whose host Muster may deliver to: the one rule for the API and the console.
    package func checkedURL(_ text: String) throws(URLRefusal) -> String {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(), ["http", "https"].contains(scheme),
            let host = components.host, !host.isEmpty, components.user == nil, components.password == nil, components.fragment == nil
        else { throw .malformed }
        do { try checkRegistration(host: host) } catch { throw .notAllowed(error) }
        return text
    }

    /// The address to connect to for `host` now, after checking every address it resolves to.
    package func address(for rawHost: String) async throws -> NetworkAddress {
        let host = Self.normalised(rawHost)
        try checkRegistration(host: host)
        let addresses: [NetworkAddress]
        if let literal = NetworkAddress(numericHost: host) {
            addresses = [literal]
        } else {
            addresses = try await resolver.addresses(of: host)
        }
        if !allowPrivateNetworks, let refused = addresses.first(where: { !$0.isPublic }) {
            throw WebhookDestinationError("\(rawHost) resolves to \(refused), not a public internet address; Muster does not deliver there")
        }
        guard let first = addresses.first else { throw WebhookDestinationError("\(rawHost) has no address") }
        return first
    }

    /// Lower case, without brackets or the root's trailing dot.
    package static func normalised(_ host: String) -> String {
        var host = host.lowercased()
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        while host.hasSuffix(".") { host.removeLast() }
        return host
    }
}
