import MusterDomain

/// A language Muster's pages and emails are written in.
package enum Language: String, CaseIterable, Sendable {
    case english = "en"
    case welsh = "cy"

    /// The first of `choices` Muster has words in, else English. Callers pass their choices
    /// most wanted first: an explicit choice, the invitation's language, the browser's, the
    /// org's, the deployment's.
    package static func first(of choices: [LocaleTag?]) -> Language {
        for case let choice? in choices {
            if let language = Language(rawValue: String(choice.language)) { return language }
        }
        return .english
    }

    /// The languages a browser's `Accept-Language` asks for, most wanted first (`q=0` left
    /// out); at most 20 are read.
    package static func accepted(_ header: String?) -> [LocaleTag] {
        guard let header else { return [] }
        var ranked = [(tag: LocaleTag, quality: Double, order: Int)]()
        for (order, part) in header.split(separator: ",").prefix(20).enumerated() {
            let pieces = part.split(separator: ";")
            guard let first = pieces.first, let tag = try? LocaleTag(String(first).trimmingWhitespace()) else { continue }
            var quality = 1.0
            for piece in pieces.dropFirst() {
                let trimmed = piece.trimmingWhitespace()
                if trimmed.hasPrefix("q="), let value = Double(trimmed.dropFirst(2)) { quality = value }
            }
            if quality > 0 { ranked.append((tag, quality, order)) }
        }
        return ranked.sorted { ($0.quality, -$0.order) > ($1.quality, -$1.order) }.map(\.tag)
    }

    /// The role, mode and date words of this language.
    package var mail: MailWords {
        switch self {
        case .english: .english
        case .welsh: .welsh
        }
    }

    /// The name of this language, in itself.
    package var ownName: String {
        switch self {
        case .english: "English"
        case .welsh: "Cymraeg"
        }
    }
}
