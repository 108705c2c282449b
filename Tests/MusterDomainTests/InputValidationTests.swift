import MusterDomain
import Testing

/// Input that would be silently bent or could break a line in a mail header is refused.
@Suite struct InputValidationTests {
    @Test(arguments: [
        "2026-02-31T09:00:00Z", "2026-02-29T09:00:00Z", "2026-04-31T09:00:00Z", "0000-01-01T00:00:00Z", "2026-13-01T00:00:00Z",
        "2026-00-10T00:00:00Z",
    ])
    func impossibleDatesAreRefusedNotMoved(text: String) {
        #expect(Timestamp(iso8601: text) == nil, "\(text) was accepted")
    }

    @Test(arguments: ["2024-02-29T09:00:00Z", "2000-02-29T00:00:00Z", "2026-12-31T23:59:59.999Z", "0001-01-01T00:00:00Z"])
    func realDatesRoundTrip(text: String) throws {
        let timestamp = try #require(Timestamp(iso8601: text))
        #expect(Timestamp(iso8601: timestamp.iso8601) == timestamp)
        #expect(timestamp.iso8601.hasPrefix(String(text.prefix(19))))
    }

    @Test func theCenturyRuleDecidesLeapYears() {
        #expect(Timestamp(iso8601: "1900-02-29T00:00:00Z") == nil)
        #expect(Timestamp(iso8601: "2000-02-29T00:00:00Z") != nil)
    }

    /// Characters that would split an address in a mail header or a list of recipients.
    @Test(arguments: ["<", ">", "(", ")", "[", "]", ",", ";", ":", "\\", "\"", " ", "\u{7F}", "\u{0}", "\u{A0}", "\u{3000}"])
    func addressesRefuseWhatMailCannotCarry(character: String) {
        #expect(throws: DomainError.self) { try EmailAddress("ann\(character)eve@example.org") }
    }

    @Test func addressesAreTrimmedAndLowerCasedWhateverTheirScript() throws {
        #expect(try EmailAddress("  Ann.O'Neil+tag@Example.ORG\t").value == "ann.o'neil+tag@example.org")
        #expect(try EmailAddress("\u{2003}zoë@exämple.org\u{2003}").value == "zoë@exämple.org")
        #expect(try EmailAddress("a!#$%&*/=?^_`{|}~-@example.org").value == "a!#$%&*/=?^_`{|}~-@example.org")
    }

    /// U+0085 (next line), U+2028 (line separator), U+2029 (paragraph separator) end lines in
    /// some readers just as CR and LF do.
    @Test(arguments: ["\u{85}", "\u{2028}", "\u{2029}", "\r", "\n", "\u{0B}"])
    func lineBreaksOfEveryKindAreRefusedInEmailsAndNames(separator: String) {
        #expect(throws: DomainError.self) { try EmailAddress("ann\(separator)bcc@example.org") }
        #expect(throws: DomainError.self) { try EmailAddress("ann@example.org\(separator)Bcc: eve@example.org") }
        var org = OrgFixture()
        org.expectRefusal(
            .createTenant(id: .random(), name: "Jo\(separator)Bcc: eve@example.org", reference: nil),
            by: .platformAdmin,
            .validationFailed
        )
        let person = OrgCommand.CollaboratorRequest.Person(
            userID: .random(),
            email: try! EmailAddress("sam@support.example"),
            fullName: "Sam\(separator)Worker"
        )
        let tenant = org.tenant()
        org.expectRefusal(
            .inviteCollaborator(.init(id: .random(), tenantID: tenant, mode: .full, person: person, seal: OrgFixture.seal())),
            by: .platformAdmin,
            .validationFailed
        )
    }
}
