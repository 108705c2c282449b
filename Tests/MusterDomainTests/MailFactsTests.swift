import MusterDomain
import Testing

/// What a record's emails need is taken from the org's state before the record is applied.
@Suite("The facts for a record's emails")
struct MailFactsTests {
    @Test("An invitation carries the org's name and letterhead, and names the member who sent it")
    func anInvitationCarriesTheLetterhead() throws {
        var org = OrgFixture()
        try org.run(
            .updateOrganisation(.init(defaultLocale: .set(try LocaleTag("cy")), replyTo: .set(try EmailAddress("office@riverside.example")))),
            by: .platformAdmin
        )
        let ann = org.member("ann@riverside.example", role: .orgAdmin)
        let before = org.state
        let id = InvitationID.random()
        let records = try org.run(
            .invite(
                id: id,
                email: try EmailAddress("ada@example.org"),
                role: .caseworker,
                method: .email,
                existingUserID: nil,
                seal: OrgFixture.seal()
            ),
            by: ann
        )
        let facts = try #require(before.mailFacts(for: records))
        #expect(facts.orgName == "Riverside Housing" && facts.sender?.value == "ann@riverside.example")
        #expect(facts.defaultLocale?.value == "cy" && facts.replyTo?.value == "office@riverside.example")
        #expect(facts.recipient == nil, "the invitation's event names its invitee")
    }

    @Test("An invitation sent by the platform admin or a key names no sender")
    func noSenderWithoutAMember() throws {
        var org = OrgFixture()
        let before = org.state
        let records = try org.run(
            .invite(
                id: .random(),
                email: try EmailAddress("ada@example.org"),
                role: .viewer,
                method: .email,
                existingUserID: nil,
                seal: OrgFixture.seal()
            ),
            by: .platformAdmin
        )
        #expect(try #require(before.mailFacts(for: records)).sender == nil)
    }

    @Test("A resend names the invitation's invitee, role and language, which its event does not")
    func aResendNamesItsRecipient() throws {
        var org = OrgFixture()
        let id = InvitationID.random()
        let email = try EmailAddress("bo@example.org")
        try org.run(
            .invite(id: id, email: email, role: .viewer, method: .email, existingUserID: nil, seal: OrgFixture.seal(), locale: try LocaleTag("cy")),
            by: .platformAdmin
        )
        org.advance(.minutes(10))
        let before = org.state
        let records = try org.run(.resendInvitation(id: id, seal: OrgFixture.seal()), by: .platformAdmin)
        let facts = try #require(before.mailFacts(for: records))
        #expect(facts.recipient?.value == "bo@example.org" && facts.role == .viewer && facts.locale?.value == "cy")
    }

    @Test("Records that cause no email carry no facts")
    func noEmailNoFacts() throws {
        var org = OrgFixture()
        let before = org.state
        let records = try org.run(.createTenant(id: .random(), name: "Alex", reference: nil), by: .platformAdmin)
        #expect(before.mailFacts(for: records) == nil)
    }
}
