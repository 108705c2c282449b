import MusterDomain

/// A refusal's message in the words people read on a page: no record ids, no API field
/// names, role keys as words, and names and emails exactly as typed — a sentence is
/// capitalised only when it starts with an ordinary word.
enum ConsoleWords {
    /// The API's field names, as the console's forms label them.
    static let fields: [(api: String, words: String)] = [
        ("invitation_lifetime_days", "the invitation lifetime"), ("expires_in_days", "the days until it expires"),
        ("allowed_redirect_origins", "the sites invitations may lead to"), ("allowed_email_domains", "the allowed email domains"),
        ("redirect_url", "the address to go to after accepting"), ("default_locale", "the language"), ("reply_to_email", "the reply-to address"),
        ("logo_url", "the logo address"), ("occurred_at", "the time of the session"), ("accent_colour", "the accent colour"),
        ("full_name", "the full name"),
        ("org_admin", "org admin"), ("site_admin", "site admin"),
    ]

    /// `message` made fit for a page, ending with a full stop.
    static func plain(_ message: String) -> String {
        var text = withoutIDs(message.count > maximumLength * 4 ? String(message.prefix(maximumLength * 4)) : message)
        for (api, words) in fields { text = replacing(api, with: words, in: text) }
        let firstWord = text.prefix { $0 != " " }
        let ordinary = !firstWord.isEmpty && firstWord.allSatisfy { $0.isLetter || $0 == "'" || $0 == "," || $0 == ":" || $0 == ";" }
        if ordinary { text = text.prefix(1).uppercased() + text.dropFirst() }
        if text.count > maximumLength { return text.prefix(maximumLength - 1) + "…" }
        return text.hasSuffix(".") ? text : text + "."
    }

    /// The longest message a page shows: a refusal may quote what was typed, which can be long.
    static let maximumLength = 300

    /// `text` without record ids (UUIDs), together with the brackets or space around them:
    /// one pass, whatever the text holds.
    static func withoutIDs(_ text: String) -> String {
        let characters = Array(text)
        var output = [Character]()
        output.reserveCapacity(characters.count)
        var index = 0
        while index < characters.count {
            guard index + 36 <= characters.count, isUUID(characters[index..<(index + 36)]) else {
                output.append(characters[index])
                index += 1
                continue
            }
            var next = index + 36
            if output.last == "(", next < characters.count, characters[next] == ")" {
                output.removeLast()
                next += 1
            }
            if output.last == " " { output.removeLast() }
            index = next
        }
        return String(output)
    }

    private static func isUUID(_ characters: ArraySlice<Character>) -> Bool {
        AuditEntry.TargetID(String(characters)) != nil
    }

    private static func replacing(_ target: String, with replacement: String, in text: String) -> String {
        guard !target.isEmpty else { return text }
        var result = ""
        var rest = Substring(text)
        while let range = rest.firstRange(of: target) {
            result += rest[..<range.lowerBound] + replacement
            rest = rest[range.upperBound...]
        }
        return result + rest
    }
}
