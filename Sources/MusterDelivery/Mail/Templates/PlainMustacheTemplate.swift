/// A Mustache template of the plain kind emails use — text, `{{name}}`, `{{{name}}}`,
/// `{{&name}}`, sections `{{#name}}…{{/name}}` and `{{^name}}…{{/name}}`, comments — compiled
/// into pieces that render from ``MailTemplateValue``s with no look-up but the name's.
///
/// The general renderer asks every value at run time what it is (a dozen dynamic casts a name,
/// and a split of the name on dots): that was most of the cost of an email, paid on the
/// threads that answer requests. A template using anything else (dotted names, partials,
/// lambdas, other delimiters, pragmas) does not compile here (`nil`), and the library renders
/// it the general way. Lines holding only a section tag or a comment disappear whole, as
/// Mustache says ("standalone" tags), where the general renderer agrees: a section whose
/// opening and closing tags differ in standing alone is left to it.
struct PlainMustacheTemplate: Sendable {
    /// A part of a compiled template.
    indirect enum Piece: Sendable {
        /// Text, as it is.
        case text(String)
        /// The value of `name`; `escaped` for `{{name}}`, not for `{{{name}}}` or `{{&name}}`.
        case value(String, escaped: Bool)
        /// `pieces`, shown when `name` is set and not false (or, `inverted`, when it is not).
        case section(String, inverted: Bool, [Piece])
    }

    /// The compiled template.
    private let pieces: [Piece]
    /// Whether `{{name}}` escapes `<`, `>`, `&`, `"` and `'` (an HTML part), or shows the text
    /// as it is (a subject, a plain-text body).
    private let escapesHTML: Bool

    /// Every name the template reads, in the order first met.
    var names: [String] {
        var names = [String]()
        var seen = Set<String>()
        func collect(_ pieces: [Piece]) {
            for piece in pieces {
                switch piece {
                case .text: continue
                case .value(let name, _): if seen.insert(name).inserted { names.append(name) }
                case .section(let name, _, let inner):
                    if seen.insert(name).inserted { names.append(name) }
                    collect(inner)
                }
            }
        }
        collect(pieces)
        return names
    }

    /// Compiles `source`, or `nil` when it uses more of Mustache than the plain kind (or does
    /// not parse: the general parser says why).
    init?(_ source: String, escapesHTML: Bool) {
        guard var tokens = Self.tokens(of: source) else { return nil }
        // The general renderer reads every part behind a pragma tag that says how to escape
        // (``MailTemplateLibrary``); the tag stands alone or not as a comment would, so a
        // part's first line is cut or kept as it is there.
        tokens.insert(.tag(.comment, name: ""), at: 0)
        guard let standalone = Self.removeStandaloneLines(&tokens) else { return nil }
        var stack: [(name: String, inverted: Bool, standsAlone: Bool, pieces: [Piece])] = [("", false, false, [])]
        for (index, token) in tokens.enumerated() {
            switch token {
            case .text(let text):
                if !text.isEmpty { stack[stack.count - 1].pieces.append(.text(text)) }
            case .tag(let kind, let name):
                switch kind {
                case .value, .unescaped:
                    stack[stack.count - 1].pieces.append(.value(name, escaped: kind == .value))
                case .open, .inverted:
                    stack.append((name, kind == .inverted, standalone.contains(index), []))
                case .close:
                    // After a section the general renderer takes the line as its opening tag
                    // left it, not as its closing tag does: where the two differ, the lines
                    // after it are cut its own way.
                    guard stack.count > 1, stack[stack.count - 1].name == name, stack[stack.count - 1].standsAlone == standalone.contains(index)
                    else { return nil }
                    let section = stack.removeLast()
                    stack[stack.count - 1].pieces.append(.section(section.name, inverted: section.inverted, section.pieces))
                case .comment:
                    continue
                }
            }
        }
        guard stack.count == 1 else { return nil }
        pieces = stack[0].pieces
        self.escapesHTML = escapesHTML
    }

    /// The template rendered with `values`; a name without a value shows nothing and opens no section.
    func render(_ values: [String: MailTemplateValue]) -> String {
        var output = ""
        render(pieces, values, into: &output)
        return output
    }

    private func render(_ pieces: [Piece], _ values: [String: MailTemplateValue], into output: inout String) {
        for piece in pieces {
            switch piece {
            case .text(let text):
                output += text
            case .value(let name, let escaped):
                switch values[name] {
                case .text(let text)?:
                    if escaped && escapesHTML { HTMLEscaping.append(text, to: &output) } else { output += text }
                case .flag(let flag)?:
                    output += flag ? "true" : "false"
                case nil:
                    continue
                }
            case .section(let name, let inverted, let inner):
                let opens =
                    switch values[name] {
                    case .text?: true
                    case .flag(let flag)?: flag
                    case nil: false
                    }
                if opens != inverted { render(inner, values, into: &output) }
            }
        }
    }
}

extension PlainMustacheTemplate {
    /// A tag's kind.
    fileprivate enum TagKind {
        case value, unescaped, open, inverted, close, comment

        /// Tags that, alone on a line, take the line with them.
        var canStandAlone: Bool { self == .open || self == .inverted || self == .close || self == .comment }
    }

    /// A template's text and tags, before sections are nested.
    fileprivate enum Token {
        case text(String)
        case tag(TagKind, name: String)
    }

    private static let nameCharacters = Set("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_-")

    /// Whether `character` ends a line; only `\n` and `\r\n` do (other line breaks make the
    /// template the general renderer's).
    private static func isLineEnd(_ character: Character) -> Bool { character == "\n" || character == "\r\n" }

    /// The text and tags of `source`, texts merged; `nil` for anything but the plain kind.
    private static func tokens(of source: String) -> [Token]? {
        var tokens = [Token]()
        var text = ""
        var index = source.startIndex
        func flush() {
            if !text.isEmpty { tokens.append(.text(text)) }
            text = ""
        }
        while index < source.endIndex {
            let character = source[index]
            if character.isNewline, !isLineEnd(character) { return nil }
            guard character == "{", source[index...].hasPrefix("{{") else {
                text.append(character)
                index = source.index(after: index)
                continue
            }
            var start = source.index(index, offsetBy: 2)
            let kind: TagKind
            var closing = "}}"
            switch source[start...].first {
            case "{":
                kind = .unescaped
                closing = "}}}"
            case "&": kind = .unescaped
            case "#": kind = .open
            case "^": kind = .inverted
            case "/": kind = .close
            case "!": kind = .comment
            case "=", ">", "<", "$", "%", nil: return nil
            default: kind = .value
            }
            // Past the sigil; a plain value has none.
            if kind != .value { start = source.index(after: start) }
            guard let end = source[start...].firstRange(of: closing) else { return nil }
            let inside = source[start..<end.lowerBound]
            flush()
            if kind == .comment {
                tokens.append(.tag(.comment, name: ""))
            } else {
                let name = inside.trimmingBlanks
                guard !name.isEmpty, name.allSatisfy(nameCharacters.contains) else { return nil }
                tokens.append(.tag(kind, name: String(name)))
            }
            index = end.upperBound
        }
        flush()
        return tokens
    }

    /// Removes each line that holds a section tag or a comment and nothing but blanks: its
    /// blanks, the tag and its line end. Which lines go is decided on the template as written,
    /// then the cuts are made.
    ///
    /// Returns the indexes of the tags that stood alone, or `nil` for a template whose lines
    /// the general renderer cuts in a way of its own.
    private static func removeStandaloneLines(_ tokens: inout [Token]) -> Set<Int>? {
        var standalone = [Int]()
        for index in tokens.indices {
            guard case .tag(let kind, _) = tokens[index], kind.canStandAlone else { continue }
            let blankBefore: Bool
            if index == 0 {
                blankBefore = true
            } else if case .text(let before) = tokens[index - 1] {
                if let lineEnd = before.lastIndex(where: isLineEnd) {
                    blankBefore = before[before.index(after: lineEnd)...].isBlank
                } else {
                    blankBefore = index == 1 && before.isBlank
                }
            } else {
                blankBefore = false
            }
            let blankAfter: Bool
            if index == tokens.count - 1 {
                blankAfter = true
            } else if case .text(let after) = tokens[index + 1], let lineEnd = after.firstIndex(where: isLineEnd) {
                blankAfter = after[..<lineEnd].isBlank
            } else if index + 1 == tokens.count - 1, case .text(let after) = tokens[index + 1], after.isBlank {
                // Blanks, then the template's end: the general renderer keeps some of the line
                // and not all; it renders such a template itself.
                return nil
            } else {
                blankAfter = false
            }
            if blankBefore && blankAfter { standalone.append(index) }
        }
        for index in standalone {
            if index > 0, case .text(let before) = tokens[index - 1] {
                let lineStart = before.lastIndex(where: isLineEnd).map { before.index(after: $0) } ?? before.startIndex
                tokens[index - 1] = .text(String(before[..<lineStart]))
            }
            if index < tokens.count - 1, case .text(let after) = tokens[index + 1] {
                let rest = after.firstIndex(where: isLineEnd).map { after.index(after: $0) } ?? after.endIndex
                tokens[index + 1] = .text(String(after[rest...]))
            }
        }
        return Set(standalone)
    }
}

extension StringProtocol {
    /// Whether every character is a space or a tab (true when empty).
    fileprivate var isBlank: Bool { allSatisfy { $0 == " " || $0 == "\t" } }

    /// Without the spaces and tabs at either end.
    fileprivate var trimmingBlanks: SubSequence {
        var trimmed = self[...]
        while trimmed.first == " " || trimmed.first == "\t" { trimmed = trimmed.dropFirst() }
        while trimmed.last == " " || trimmed.last == "\t" { trimmed = trimmed.dropLast() }
        return trimmed
    }
}
