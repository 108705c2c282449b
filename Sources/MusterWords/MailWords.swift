import MusterDomain

/// The words an email fills in that a template cannot compute: role and mode names, and how
/// long until a link expires, per language. A language Muster does not know (a deployment's
/// own templates) gets the English words.
package struct MailWords: Sendable {
    package let role: @Sendable (Role) -> String
    package let mode: @Sendable (ParticipationMode) -> String
    let duration: @Sendable (_ count: Int64, _ unit: Unit) -> String

    enum Unit { case minute, hour, day }

    package static func forLanguage(_ language: Substring) -> MailWords {
        language == "cy" ? welsh : english
    }

    let months: [String]

    /// How long `span` is, rounded to the largest unit that reads naturally ("in 7 days",
    /// "in 36 hours", "mewn 15 munud").
    package func expiresIn(_ span: Span) -> String {
        let minutes = max(1, (span.milliseconds + 30_000) / 60_000)
        if minutes >= 2 * 1440 { return duration((minutes + 720) / 1440, .day) }
        if minutes >= 120 { return duration((minutes + 30) / 60, .hour) }
        return duration(minutes, .minute)
    }

    /// The day and time of `time` in UTC, in words: `9 December 2026, 07:40 UTC`.
    package func date(_ time: Timestamp) -> String {
        let iso = Array(time.iso8601.utf8)  // YYYY-MM-DDTHH:MM:SS.fffZ
        func text(_ range: Range<Int>) -> String { String(decoding: iso[range], as: UTF8.self) }
        let month = months[max(0, min(11, (Int(text(5..<7)) ?? 1) - 1))]
        return "\(Int(text(8..<10)) ?? 1) \(month) \(text(0..<4)), \(text(11..<16)) UTC"
    }

    package static let english = MailWords(
        role: { role in
            switch role {
            case .orgAdmin: "an org admin"
            case .siteAdmin: "a site admin"
            case .caseworker: "a caseworker"
            case .viewer: "a viewer"
            default: role.name.split(separator: "_").joined(separator: " ")
            }
        },
        mode: { mode in
            switch mode {
            case .full: "a support worker"
            case .contextOnly: "a context-only collaborator"
            case .referenceOnly: "a contact"
            }
        },
        duration: { count, unit in
            let word: String
            switch unit {
            case .minute: word = count == 1 ? "minute" : "minutes"
            case .hour: word = count == 1 ? "hour" : "hours"
            case .day: word = count == 1 ? "day" : "days"
            }
            return "in \(count) \(word)"
        },
        months: ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]
    )

    package static let welsh = MailWords(
        role: { role in
            switch role {
            case .orgAdmin: "gweinyddwr sefydliad"
            case .siteAdmin: "gweinyddwr safle"
            case .caseworker: "gweithiwr achos"
            case .viewer: "gwyliwr"
            default: role.name.split(separator: "_").joined(separator: " ")
            }
        },
        mode: { mode in
            switch mode {
            case .full: "gweithiwr cymorth"
            case .contextOnly: "cydweithiwr cyd-destun yn unig"
            case .referenceOnly: "cyswllt"
            }
        },
        duration: { count, unit in
            // Welsh keeps the singular after a numeral.
            switch unit {
            case .minute: "mewn \(count) munud"
            case .hour: "mewn \(count) awr"
            case .day: "mewn \(count) diwrnod"
            }
        },
        months: ["Ionawr", "Chwefror", "Mawrth", "Ebrill", "Mai", "Mehefin", "Gorffennaf", "Awst", "Medi", "Hydref", "Tachwedd", "Rhagfyr"]
    )
}
