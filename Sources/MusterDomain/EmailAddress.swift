/// An email address in its normal form: trimmed of white space and lower-cased.
///
/// Users are keyed by this form, so `Ann@Example.org ` and `ann@example.org` are one person.
/// Construction validates the shape a mail system would accept (one `@`, a non-empty local
/// part, a dotted domain, no white space or control characters, at most 254 bytes); anything
/// else is refused with a ``DomainError`` of code `validation_failed`.
public struct EmailAddress: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The normalised address.
    public let value: String

    /// The longest address SMTP accepts (RFC 5321 path limit less the angle brackets).
    public static let maximumLength = 254

    /// Normalises and validates `raw`.
    public init(_ raw: String) throws(DomainError) {
        let trimmed = raw.trimmingWhitespace()
        let lowered = trimmed.lowercased()
        guard !lowered.isEmpty else {
            throw .validation("email is required")
        }
        guard lowered.utf8.count <= Self.maximumLength else {
            throw .validation("email is longer than \(Self.maximumLength) characters")
        }
        if lowered.utf8.allSatisfy({ $0 < 0x80 }) {
            try Self.validateASCII(lowered, as: trimmed)
        } else {
            try Self.validateCharacters(lowered, as: trimmed)
        }
        self.value = lowered
    }

    /// The shape of a normalised address: one `@` after a local part of 1 to 64 bytes, a
    /// domain of two or more non-empty labels, and only characters mail can carry.
    static func validateCharacters(_ lowered: String, as trimmed: String) throws(DomainError) {
        let parts = lowered.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[0].utf8.count <= 64 else {
            throw .validation("'\(trimmed)' is not an email address")
        }
        let domain = parts[1]
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2, labels.allSatisfy({ !$0.isEmpty }) else {
            throw .validation("'\(trimmed)' is not an email address: the domain needs a dot")
        }
        for scalar in lowered.unicodeScalars {
            let carried: Bool
            switch scalar.value {
            // Visible ASCII, the common case, needs no look-up of Unicode properties.
            case 0x21..<0x7F:
                switch UInt8(scalar.value) {
                case UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "["), UInt8(ascii: "]"),
                    UInt8(ascii: ","),
                    UInt8(ascii: ";"), UInt8(ascii: ":"), UInt8(ascii: "\\"), UInt8(ascii: "\""):
                    carried = false
                default: carried = true
                }
            case 0...0x20, 0x7F: carried = false
            default: carried = !scalar.breaksLines && !scalar.properties.isWhitespace
            }
            guard carried else { throw .validation("'\(trimmed)' is not an email address: it has a character mail cannot carry") }
        }
    }

    /// ``validateCharacters(_:as:)`` for an address of ASCII alone, where each character is one byte: the
    /// same rules in the same order, with the same refusals, in one pass over the bytes
    /// instead of splitting into characters (an API client's addresses are almost all ASCII,
    /// and a bulk request checks a thousand).
    static func validateASCII(_ lowered: String, as trimmed: String) throws(DomainError) {
        let bytes = lowered.utf8
        var at: Int?
        var ats = 0
        for (index, byte) in bytes.enumerated() where byte == UInt8(ascii: "@") {
            ats += 1
            at = index
        }
        guard ats == 1, let at, at > 0, at <= 64 else { throw .validation("'\(trimmed)' is not an email address") }
        var labels = 1
        var labelLength = 0
        var emptyLabel = false
        for byte in bytes.dropFirst(at + 1) {
            if byte == UInt8(ascii: ".") {
                if labelLength == 0 { emptyLabel = true }
                labels += 1
                labelLength = 0
            } else {
                labelLength += 1
            }
        }
        guard labels >= 2, !emptyLabel, labelLength > 0 else {
            throw .validation("'\(trimmed)' is not an email address: the domain needs a dot")
        }
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: ","),
                UInt8(ascii: ";"), UInt8(ascii: ":"), UInt8(ascii: "\\"), UInt8(ascii: "\""), 0...0x20, 0x7F:
                throw .validation("'\(trimmed)' is not an email address: it has a character mail cannot carry")
            default: continue
            }
        }
    }

    /// Wraps a value already known to be normal (decoded from the log).
    public init(normalised value: String) {
        self.value = value
    }

    public var description: String { value }

    /// The part after the `@`.
    public var domain: Substring {
        value[value.index(after: value.lastIndex(of: "@")!)...]
    }

    public static func < (lhs: EmailAddress, rhs: EmailAddress) -> Bool { lhs.value < rhs.value }
}

extension StringProtocol {
    /// The string without leading and trailing white space and newlines.
    public func trimmingWhitespace() -> String {
        let string = String(self)
        // Text that starts and ends with visible ASCII has nothing to trim.
        if let first = string.utf8.first, let last = string.utf8.last, (0x21..<0x7F).contains(first), (0x21..<0x7F).contains(last) {
            return string
        }
        let scalars = string.unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })!
        return String(String.UnicodeScalarView(scalars[first...last]))
    }
}

extension Unicode.Scalar {
    /// Whether the scalar is a control character or a Unicode line or paragraph separator
    /// (`U+0085`, `U+2028`, `U+2029` as well as CR and LF): anything that could end a line in
    /// a mail header or a log line, and so is refused in every single-line field.
    public var breaksLines: Bool {
        // ASCII, most text, needs no look-up: its controls are C0 and DEL.
        if value < 0x80 { return value < 0x20 || value == 0x7F }
        switch properties.generalCategory {
        case .control, .lineSeparator, .paragraphSeparator: return true
        default: return false
        }
    }
}
