/// A value an email template reads by name: text, or a yes/no that opens a section.
///
/// Emails need nothing else (no lists, no nested objects), which is what lets the library
/// render its templates without asking each value at run time what it is.
package enum MailTemplateValue: Sendable, Equatable, ExpressibleByStringLiteral, ExpressibleByBooleanLiteral {
    /// Text: shown as it is (HTML-escaped in an HTML part); a section on it opens, even when empty.
    case text(String)
    /// A flag: a section on it opens when it is true; shown as `true` or `false`.
    case flag(Bool)

    package init(stringLiteral value: String) { self = .text(value) }

    package init(booleanLiteral value: Bool) { self = .flag(value) }

    /// The value as the general Mustache renderer takes it.
    var any: Any {
        switch self {
        case .text(let text): text
        case .flag(let flag): flag
        }
    }
}
