#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An IPv4 or IPv6 address, parsed the way the resolver itself reads numeric hosts, and
/// classified by whether the public internet may route to it.
///
/// A webhook is an outbound request on a customer's behalf; pointed at the machine's own
/// services, a cloud metadata endpoint or the private network behind it, it would reach what
/// the customer cannot. Only public unicast addresses are deliverable by default.
package enum NetworkAddress: Hashable, Sendable, CustomStringConvertible {
    case v4(UInt32)
    case v6([UInt8])

    /// Reads a numeric host in every spelling the C library accepts — `127.0.0.1`, `127.1`,
    /// `2130706433`, `0x7f.1`, `017700000001`, `::1`, `[::ffff:127.0.0.1]` — or nil for a name.
    package init?(numericHost text: String) {
        var host = text
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, !host.contains(where: { $0.isWhitespace }) else { return nil }
        var v4 = in_addr()
        if inet_aton(host, &v4) != 0 {
            self = .v4(UInt32(bigEndian: v4.s_addr))
            return
        }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, host, &v6) == 1 else { return nil }
        self = .v6(withUnsafeBytes(of: &v6) { Array($0) })
    }

    /// Whether the public internet routes to this address: not loopback, private (RFC 1918,
    /// RFC 4193), shared (RFC 6598), link-local, multicast, reserved, documentation or
    /// unspecified, including IPv4 addresses embedded in IPv6 (mapped, NAT64, 6to4).
    package var isPublic: Bool {
        switch self {
        case .v4(let address): return Self.isPublicV4(address)
        case .v6(let bytes): return Self.isPublicV6(bytes)
        }
    }

    package var description: String {
        switch self {
        case .v4(let address):
            return [24, 16, 8, 0].map { String((address >> UInt32($0)) & 0xff) }.joined(separator: ".")
        case .v6(let bytes):
            var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
            return bytes.withUnsafeBytes { raw in
                inet_ntop(AF_INET6, raw.baseAddress, &text, socklen_t(text.count)).map { String(cString: $0) } ?? "?"
            }
        }
    }

    private static let refusedV4: [(network: UInt32, prefix: UInt32)] = [
        (0x0000_0000, 8),  // "this network", 0.0.0.0
        (0x0a00_0000, 8),  // private
        (0x6440_0000, 10),  // shared address space (carrier-grade NAT)
        (0x7f00_0000, 8),  // loopback
        (0xa9fe_0000, 16),  // link-local, cloud metadata endpoints
        (0xac10_0000, 12),  // private
        (0xc000_0000, 24),  // IETF protocol assignments
        (0xc000_0200, 24),  // documentation
        (0xc058_6300, 24),  // 6to4 relay anycast
        (0xc0a8_0000, 16),  // private
        (0xc612_0000, 15),  // benchmarking
        (0xc633_6400, 24),  // documentation
        (0xcb00_7100, 24),  // documentation
        (0xe000_0000, 4),  // multicast
        (0xf000_0000, 4),  // reserved and broadcast
    ]

    private static func isPublicV4(_ address: UInt32) -> Bool {
        !refusedV4.contains { address & ~(UInt32.max >> $0.prefix) == $0.network }
    }

    private static func isPublicV6(_ bytes: [UInt8]) -> Bool {
        guard bytes.count == 16 else { return false }
        func embeddedV4(at offset: Int) -> UInt32 {
            bytes[offset..<offset + 4].reduce(0) { $0 << 8 | UInt32($1) }
        }
        let first = bytes[0]
        let firstTen = bytes[..<10].allSatisfy { $0 == 0 }
        if firstTen && bytes[10] == 0xff && bytes[11] == 0xff { return isPublicV4(embeddedV4(at: 12)) }  // ::ffff:a.b.c.d
        if firstTen && bytes[10] == 0 && bytes[11] == 0 { return false }  // ::, ::1 and IPv4-compatible
        if bytes[..<12] == [0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0] { return isPublicV4(embeddedV4(at: 12)) }  // NAT64
        if first == 0x20 && bytes[1] == 0x02 { return isPublicV4(embeddedV4(at: 2)) }  // 6to4
        if first == 0x20 && bytes[1] == 0x01 && bytes[2] == 0x0d && bytes[3] == 0xb8 { return false }  // documentation
        if first & 0xfe == 0xfc { return false }  // unique local
        if first == 0xfe && bytes[1] & 0xc0 == 0x80 { return false }  // link-local
        if first == 0xfe && bytes[1] & 0xc0 == 0xc0 { return false }  // site-local (deprecated)
        if first == 0xff { return false }  // multicast
        return true
    }
}
