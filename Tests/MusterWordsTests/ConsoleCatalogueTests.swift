import MusterDomain
import Testing

@testable import MusterWords

/// The console's message catalogue: every language says everything, with the same values.
@Suite("The console's message catalogue")
struct ConsoleCatalogueTests {
    /// The names of the values an entry fills in, `{{name}}` each.
    static func placeholders(_ text: String) -> [String] {
        var names = [String]()
        var rest = Substring(text)
        while let open = rest.firstRange(of: "{{"), let close = rest[open.upperBound...].firstRange(of: "}}") {
            names.append(String(rest[open.upperBound..<close.lowerBound]))
            rest = rest[close.upperBound...]
        }
        return names.sorted()
    }

    @Test("Every language has every key of the English catalogue, and no other", arguments: Language.allCases)
    func everyLanguageHasEveryKey(_ language: Language) {
        let keys = Set(ConsoleText.of(language).entries.keys)
        let english = Set(ConsoleCatalogue.english.keys)
        #expect(english.subtracting(keys).isEmpty, "\(language) lacks \(english.subtracting(keys).sorted().prefix(10))")
        #expect(keys.subtracting(english).isEmpty, "\(language) has keys English lacks: \(keys.subtracting(english).sorted().prefix(10))")
    }

    @Test("Every entry fills in the same values as the English one", arguments: Language.allCases)
    func everyEntryFillsTheSameValues(_ language: Language) {
        for (key, text) in ConsoleText.of(language).entries {
            #expect(Self.placeholders(text) == Self.placeholders(ConsoleCatalogue.english[key] ?? ""), "\(language) \(key): \(text)")
        }
    }

    @Test("The Welsh catalogue is Welsh: most of its entries differ from the English ones")
    func theWelshCatalogueIsTranslated() {
        let same = ConsoleCatalogue.welsh.filter { ConsoleCatalogue.english[$0.key] == $0.value }
        // Names that are the same in both (API, URL, HTTP figures) are few.
        #expect(same.count * 20 < ConsoleCatalogue.english.count, "untranslated: \(same.keys.sorted().prefix(20))")
    }

    @Test(
        "No entry holds a character HTML reads as markup: the pages insert entries as they are, some inside attributes",
        arguments: Language.allCases
    )
    func noEntryHoldsMarkup(_ language: Language) {
        for (key, text) in ConsoleText.of(language).entries {
            let outside = Self.withoutPlaceholders(text)
            #expect(!outside.contains { "\"<>&".contains($0) }, "\(language) \(key): \(text)")
        }
    }

    /// `text` with its `{{name}}` places removed (their values are escaped by the page).
    static func withoutPlaceholders(_ text: String) -> String {
        var result = ""
        var rest = Substring(text)
        while let open = rest.firstRange(of: "{{"), let close = rest[open.upperBound...].firstRange(of: "}}") {
            result += rest[..<open.lowerBound]
            rest = rest[close.upperBound...]
        }
        return result + rest
    }

    @Test("Every domain refusal has a sentence in every language", arguments: Language.allCases)
    func everyRefusalHasASentence(_ language: Language) {
        for code in DomainError.Code.allCases {
            #expect(ConsoleText.of(language).entries["refusal.\(code.rawValue)"] != nil, "\(language) lacks refusal.\(code.rawValue)")
        }
    }

    @Test("Every event type has a name and an audit sentence in every language", arguments: Language.allCases)
    func everyEventTypeHasWords(_ language: Language) {
        let entries = ConsoleText.of(language).entries
        for kind in OrgEvent.Kind.allCases {
            #expect(entries["kind.\(kind.name)"] != nil, "\(language) lacks kind.\(kind.name)")
            #expect(entries["audit.\(kind.name)"] != nil, "\(language) lacks audit.\(kind.name)")
        }
    }

    @Test("Values are filled in one pass: a value holding braces is never read as a place for another")
    func valuesAreFilledInOnePass() {
        let text = ConsoleText.english("audit.case_of", ["tenant": "{{tenant}} & {{email}}"])
        #expect(text == "the case of {{tenant}} & {{email}}")
        #expect(ConsoleText.english("audit.memberRoleChanged.from") == "audit.memberRoleChanged.from", "an unknown key reads as itself")
        #expect(ConsoleText.welsh("notice.invited") != ConsoleText.english("notice.invited"))
    }
}

/// Which language a person reads.
@Suite("Choosing a language")
struct LanguageTests {
    @Test("Accept-Language is read most wanted first, q=0 left out, at most 20 entries")
    func acceptLanguageOrder() throws {
        #expect(Language.accepted("cy-GB;q=0.8, fr;q=0.9, en;q=0.5").map(\.value) == ["fr", "cy-GB", "en"])
        #expect(Language.accepted("cy;q=0, en").map(\.value) == ["en"])
        #expect(Language.accepted(nil).isEmpty && Language.accepted("").isEmpty && Language.accepted(";;,,q=1").isEmpty)
        #expect(Language.accepted(Array(repeating: "en", count: 500).joined(separator: ",")).count == 20)
    }

    @Test("The first choice Muster has words in wins; none gives English")
    func firstKnownChoiceWins() throws {
        #expect(Language.first(of: [nil, try LocaleTag("fr"), try LocaleTag("cy-GB"), try LocaleTag("en")]) == .welsh)
        #expect(Language.first(of: [try LocaleTag("de")]) == .english)
        #expect(Language.first(of: []) == .english)
    }
}
