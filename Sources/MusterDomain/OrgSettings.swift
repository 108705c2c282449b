/// What an organisation changes of the deployment's defaults, set by its org admins.
///
/// Every field starts at "the deployment decides": an org that has never been updated behaves
/// exactly as the deployment's ``Policy`` says.
public struct OrgSettings: Hashable, Sendable {
    /// How long a new invitation stays acceptable, in whole days; `nil` for the deployment's.
    public var invitationLifetimeDays: Int?
    /// The email domains people may be invited from, lower-cased and sorted; empty allows any.
    ///
    /// A domain matches exactly: `example.org` does not admit `mail.example.org`, which is
    /// listed on its own if it is wanted.
    public var allowedEmailDomains: [String]
    /// The language of the org's emails when an invitation names none; `nil` for the deployment's.
    public var defaultLocale: LocaleTag?
    /// Where replies to the org's emails go (`Reply-To`); `nil` for none.
    public var replyTo: EmailAddress?
    /// The origins an invitation's `redirect_url` may point at, normalised and sorted (see
    /// ``RedirectURL/origin(_:field:)``); empty allows no redirect at all.
    public var allowedRedirectOrigins: [String]
    /// The logo shown at the top of the org's emails and link pages: an `https` URL.
    public var logoURL: String?
    /// The accent colour of the org's emails and link pages, as `#rrggbb` in lower case.
    public var accentColour: String?

    /// The days an invitation may be given, per org or per invitation.
    public static let invitationLifetimeDays: ClosedRange<Int> = 1...30
    /// The most allowed domains one org may list.
    public static let maximumAllowedDomains = 50
    /// The most redirect origins one org may list.
    public static let maximumRedirectOrigins = 20

    /// Creates settings; the defaults leave everything to the deployment.
    public init(
        invitationLifetimeDays: Int? = nil,
        allowedEmailDomains: [String] = [],
        defaultLocale: LocaleTag? = nil,
        replyTo: EmailAddress? = nil,
        allowedRedirectOrigins: [String] = [],
        logoURL: String? = nil,
        accentColour: String? = nil
    ) {
        self.invitationLifetimeDays = invitationLifetimeDays
        self.allowedEmailDomains = allowedEmailDomains
        self.defaultLocale = defaultLocale
        self.replyTo = replyTo
        self.allowedRedirectOrigins = allowedRedirectOrigins
        self.logoURL = logoURL
        self.accentColour = accentColour
    }

    /// Whether an invitation may send its invitee on to `redirect` after they accept.
    public func allows(_ redirect: RedirectURL) -> Bool {
        !redirect.origin.isEmpty && allowedRedirectOrigins.contains(redirect.origin)
    }

    /// Normalises and checks a list of redirect origins: deduplicated and sorted.
    public static func redirectOrigins(_ raw: [String]) throws(DomainError) -> [String] {
        guard raw.count <= maximumRedirectOrigins else {
            throw .validation("allowed_redirect_origins lists \(raw.count) origins; at most \(maximumRedirectOrigins) are allowed")
        }
        var origins = Set<String>()
        for entry in raw { origins.insert(try RedirectURL.origin(entry)) }
        return origins.sorted()
    }

    /// Checks a logo's address: an `https` URL on a named host, with no credentials.
    public static func logo(_ raw: String) throws(DomainError) -> String {
        let url = try RedirectURL(raw, field: "logo_url")
        guard url.origin.hasPrefix("https://") else { throw .validation("logo_url must use https://, so that mail readers load it") }
        return url.value
    }

    /// Checks an accent colour: `#` and six hexadecimal digits, returned in lower case.
    public static func colour(_ raw: String) throws(DomainError) -> String {
        let trimmed = raw.trimmingWhitespace().lowercased()
        let ascii = Array(trimmed.utf8)
        let isHex = { (byte: UInt8) in
            (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
        }
        guard ascii.count == 7, ascii[0] == UInt8(ascii: "#"), ascii.dropFirst().allSatisfy(isHex) else {
            throw .validation("accent_colour must be # and six hexadecimal digits, such as #1d70b8")
        }
        return trimmed
    }

    /// Whether people with `email` may be invited: any address when no domain is listed.
    public func allows(_ email: EmailAddress) -> Bool {
        allowedEmailDomains.isEmpty || allowedEmailDomains.contains { $0 == email.domain }
    }

    /// Normalises and checks a list of domains: trimmed, lower-cased, deduplicated, sorted;
    /// each a dotted host name of letters, digits and hyphens.
    public static func allowedDomains(_ raw: [String]) throws(DomainError) -> [String] {
        guard raw.count <= maximumAllowedDomains else {
            throw .validation("allowed_email_domains lists \(raw.count) domains; at most \(maximumAllowedDomains) are allowed")
        }
        var domains = Set<String>()
        for entry in raw {
            let domain = entry.trimmingWhitespace().lowercased()
            let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
            let wellFormed =
                domain.utf8.count <= 253 && labels.count >= 2
                && labels.allSatisfy { label in
                    (1...63).contains(label.utf8.count) && label.first != "-" && label.last != "-"
                        && label.utf8.allSatisfy {
                            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0)
                                || $0 == UInt8(ascii: "-")
                        }
                }
            guard wellFormed else {
                throw .validation("allowed_email_domains: '\(entry)' is not a domain such as example.org (letters, digits, hyphens and dots; no @)")
            }
            domains.insert(domain)
        }
        return domains.sorted()
    }
}

/// A language tag for emails and pages: a two- or three-letter language, optionally with a
/// two-letter region (`en`, `cy`, `en-GB`).
public struct LocaleTag: Hashable, Sendable, CustomStringConvertible {
    /// The tag, language lower-cased and region upper-cased.
    public let value: String

    /// Checks and normalises `raw`, or refuses it naming `field`.
    public init(_ raw: String, field: String = "locale") throws(DomainError) {
        let parts = raw.trimmingWhitespace().split(separator: "-", omittingEmptySubsequences: false)
        let isLetters = { (part: Substring) in part.utf8.allSatisfy { (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0 | 0x20) } }
        guard (1...2).contains(parts.count), (2...3).contains(parts[0].utf8.count), isLetters(parts[0]),
            parts.count == 1 || (parts[1].utf8.count == 2 && isLetters(parts[1]))
        else {
            throw .validation("\(field) must be a language tag such as en, cy or en-GB")
        }
        value = parts.count == 1 ? parts[0].lowercased() : "\(parts[0].lowercased())-\(parts[1].uppercased())"
    }

    /// Wraps a tag already known to be normal (decoded from the log).
    public init(normalised value: String) {
        self.value = value
    }

    /// The language alone (`en` of `en-GB`).
    public var language: Substring { value.prefix { $0 != "-" } }

    public var description: String { value }
}

/// One field of an update: left as it is, set to a value, or reset to the deployment's default.
public enum SettingChange<Value: Hashable & Sendable>: Hashable, Sendable {
    case unchanged
    case set(Value)
    case reset

    /// The field's value after the change, from `current`; `nil` when reset.
    public func applied(to current: Value?) -> Value? {
        switch self {
        case .unchanged: current
        case .set(let value): value
        case .reset: nil
        }
    }
}
