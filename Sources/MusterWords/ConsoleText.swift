/// The words of the console in one language: the message catalogue's entries by key, each a
/// sentence or label where `{{name}}` marks a value filled in (``ConsoleCatalogue``).
///
/// The page templates show an entry as the partial `{{>t.key}}`, which fills its values from
/// the page and escapes them; code asks for one with ``callAsFunction(_:_:)`` and puts the
/// text in a page's values, which the template escapes.
package struct ConsoleText: Sendable {
    package let language: Language
    package let entries: [String: String]

    /// The console's words in `language`.
    package static func of(_ language: Language) -> ConsoleText {
        switch language {
        case .english: english
        case .welsh: welsh
        }
    }

    package static let english = ConsoleText(language: .english, entries: ConsoleCatalogue.english)
    package static let welsh = ConsoleText(language: .welsh, entries: ConsoleCatalogue.welsh)

    /// The role, mode and date words of the same language.
    package var mail: MailWords { language.mail }

    /// The entry `key` with `values` filled in (as they are: the page escapes them). A key the
    /// catalogue lacks — a bug the catalogue's tests catch — falls back to English, then to
    /// the key itself.
    package func callAsFunction(_ key: String, _ values: KeyValuePairs<String, String> = [:]) -> String {
        let text = entries[key] ?? ConsoleCatalogue.english[key] ?? key
        guard !values.isEmpty else { return text }
        // One pass, so a value that holds braces is never read as a place for another.
        var result = ""
        var rest = Substring(text)
        while let open = rest.firstRange(of: "{{"), let close = rest[open.upperBound...].firstRange(of: "}}") {
            result += rest[..<open.lowerBound]
            let name = rest[open.upperBound..<close.lowerBound]
            result += values.first { $0.key == name }?.value ?? String(rest[open.lowerBound..<close.upperBound])
            rest = rest[close.upperBound...]
        }
        return result + rest
    }
}
