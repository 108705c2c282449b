/// Where the link page sends someone after they accept an invitation: an absolute `https` URL
/// (`http` only on a loopback host), with no credentials, whose origin the org allows.
///
/// Parsed by hand and strictly, because a browser reads URLs more loosely than most parsers:
/// a backslash is a slash in `https:`, a tab or newline inside is dropped, and `user@` in front
/// of the host moves the real host after it. Anything such a reading could turn into another
/// origin is refused instead of being normalised.
public struct RedirectURL: Hashable, Sendable, CustomStringConvertible {
    /// The URL as given (scheme and host lower-cased).
    public let value: String
    /// Its origin: `scheme://host` plus `:port` when the port is not the scheme's default.
    public let origin: String

    /// The longest URL accepted.
    public static let maximumLength = 2048

    /// Checks `raw` and refuses it, naming `field`, unless it is an absolute `https` URL (or
    /// `http` on a loopback host) with a host, no credentials and nothing a browser would read
    /// differently.
    public init(_ raw: String, field: String = "redirect_url") throws(DomainError) {
        let parts = try Self.parse(raw, field: field)
        origin = parts.origin
        value = parts.origin + parts.rest
    }

    /// Wraps a URL already checked (decoded from the log).
    public init(checked value: String) {
        self.value = value
        self.origin = (try? Self.parse(value, field: "redirect_url").origin) ?? ""
    }

    public var description: String { value }

    /// Normalises an origin for the allow-list: `scheme://host[:port]`, nothing after it but an
    /// optional `/`; the same scheme rules as a redirect.
    public static func origin(_ raw: String, field: String = "allowed_redirect_origins") throws(DomainError) -> String {
        let parts = try parse(raw, field: field)
        guard parts.rest.isEmpty || parts.rest == "/" else {
            throw .validation("\(field): '\(raw)' is not an origin; give the scheme and host alone, such as https://app.example.org")
        }
        return parts.origin
    }

    private static func parse(_ raw: String, field: String) throws(DomainError) -> (origin: String, rest: String) {
        let refuse = { (why: String) -> DomainError in .validation("\(field) \(why)") }
        guard raw.utf8.count <= maximumLength else { throw refuse("is longer than \(maximumLength) characters") }
        // Browsers drop tabs and newlines and read a backslash as a slash: refuse rather than
        // guess which host they would see.
        // Nor do the characters a URL may not hold unencoded (quotes and angle brackets among them).
        guard raw.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7f && !"\\\"<>^`{|}".unicodeScalars.contains($0) }) else {
            throw refuse("must be a plain URL: no spaces, quotes, angle brackets, backslashes or non-ASCII letters (percent-encode them)")
        }
        let lower = raw.lowercased()
        let scheme: String
        if lower.hasPrefix("https://") {
            scheme = "https"
        } else if lower.hasPrefix("http://") {
            scheme = "http"
        } else {
            throw refuse("must start with https:// (http:// only for localhost)")
        }
        let afterScheme = raw.utf8.dropFirst(scheme.utf8.count + 3)
        let authorityEnd =
            afterScheme.firstIndex { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") } ?? afterScheme.endIndex
        let authority = String(Substring(afterScheme[..<authorityEnd])).lowercased()
        let rest = String(Substring(afterScheme[authorityEnd...]))
        guard !authority.contains("@") else { throw refuse("must not contain a user name or password") }
        var host = authority
        var port: Int?
        if let colon = authority.lastIndex(of: ":"), !authority.hasSuffix("]") {
            host = String(authority[..<colon])
            let digits = authority[authority.index(after: colon)...]
            guard (1...5).contains(digits.count), digits.allSatisfy(\.isASCIIDigit), let number = Int(digits), (1...65535).contains(number) else {
                throw refuse("has a port that is not a number from 1 to 65535")
            }
            port = number
        }
        guard Self.isHost(host) else { throw refuse("must name a host, such as https://app.example.org/welcome") }
        let loopback = host == "localhost" || host == "[::1]" || Self.isLoopbackIPv4(host)
        guard scheme == "https" || loopback else { throw refuse("must use https:// (http:// only for localhost)") }
        let defaultPort = scheme == "https" ? 443 : 80
        let origin = "\(scheme)://\(host)" + (port.map { $0 == defaultPort ? "" : ":\($0)" } ?? "")
        return (origin, rest)
    }

    /// Whether `host` is a dotted IPv4 address in 127.0.0.0/8 (not a name that starts `127.`).
    private static func isLoopbackIPv4(_ host: String) -> Bool {
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127"
            && parts.allSatisfy { part in (1...3).contains(part.count) && part.allSatisfy(\.isASCIIDigit) && Int(part)! <= 255 }
    }

    /// A DNS name of letters, digits and hyphens with at least one label, an IPv4 address, or
    /// a bracketed IPv6 address.
    private static func isHost(_ host: String) -> Bool {
        if host.hasPrefix("[") {
            return host.count > 2 && host.hasSuffix("]") && host.dropFirst().dropLast().allSatisfy { $0.isHexDigit || $0 == ":" || $0 == "." }
        }
        let labels = host.split(separator: ".", omittingEmptySubsequences: false)
        return !host.isEmpty && host.utf8.count <= 253
            && labels.allSatisfy { label in
                (1...63).contains(label.utf8.count) && label.first != "-" && label.last != "-"
                    && label.allSatisfy { $0.isASCIIDigit || ("a"..."z").contains($0) || $0 == "-" }
            }
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
