import Testing

@testable import MusterDelivery
@testable import MusterJSON
@testable import MusterServer

/// Field limits hold for text a person would read as short.
@Suite("Request field limits")
struct RequestFieldsTests {
    private func name(_ text: String) throws(Problem) -> String {
        var fields = try RequestFields(.object(["name": .string(text)]))
        return try fields.string("name", maxLength: 200)
    }

    @Test("A character stacked with combining marks counts its bytes, so one character cannot carry a megabyte")
    func combiningMarksDoNotEscapeTheLimit() throws {
        let stacked = "a" + String(repeating: "\u{301}", count: 10_000)
        #expect(stacked.count == 1)
        #expect(throws: Problem.self) { try name(stacked) }
        // Text at the limit in any script still passes: 200 characters of up to four bytes each.
        let emoji = String(repeating: "😀", count: 200)
        #expect(try name(emoji) == emoji)
        let accented = String(repeating: "é", count: 200)
        #expect(try name(accented) == accented)
        #expect(throws: Problem.self) { try name(String(repeating: "a", count: 201)) }
    }
}
