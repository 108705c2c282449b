import MusterDomain
import MusterEngine
import Testing

@testable import MusterDelivery

/// The outbox renders each email from its durable record alone: the record carries what the
/// org's actor knew when it decided, so the outbox never calls back into the org.
@Suite("Emails rendered from the record alone")
struct MailFactsRenderingTests {
    private let renderer = MailRenderer(linkBase: "https://muster.example.org", signInLinkLifetime: .minutes(15))
    private let secret = [UInt8](repeating: 7, count: 32)

    /// An org with a letterhead and a member who invites Ada, then renames the org and changes
    /// its reply-to address: the invitation's record, the engine and the member's email.
    private func invitedThenRenamed() async throws -> (record: DurableRecord, engine: MusterEngine, sink: InMemoryEventSink) {
        let sink = InMemoryEventSink()
        let engine = MusterEngine(secret: secret, sink: sink, clock: ManualClock())
        let orgID = try await engine.createOrganisation(name: "Riverside Housing", by: .platformAdmin)
        _ = try await engine.updateOrganisation(
            orgID,
            .init(replyTo: .set(try EmailAddress("office@riverside.example")), accentColour: .set("#00aa00")),
            by: .platformAdmin
        )
        let admin = try await engine.createUserWithTemporaryPassword(
            org: orgID,
            email: try EmailAddress("ann@riverside.example"),
            fullName: "Ann",
            role: .orgAdmin,
            by: .platformAdmin
        )
        _ = try await engine.invite(
            org: orgID,
            email: try EmailAddress("ada@example.org"),
            role: .caseworker,
            method: .email,
            by: .user(admin.member.userID)
        )
        let record = try #require(sink.durableRecords.last)
        _ = try await engine.updateOrganisation(
            orgID,
            .init(name: "Northfield Trust", replyTo: .set(try EmailAddress("desk@northfield.example"))),
            by: .platformAdmin
        )
        return (record, engine, sink)
    }

    @Test("An invitation's email says what was true when it was decided: a rename and a new reply-to made since do not change it")
    func anEmailSaysWhatWasTrueWhenItWasDecided() async throws {
        let (record, engine, _) = try await invitedThenRenamed()
        #expect(record.mail?.orgName == "Riverside Housing")
        let message = try #require(try await renderer.messages(for: record, engine: engine).messages.first)
        #expect(message.to == "ada@example.org")
        #expect(message.subject.contains("Riverside Housing") && !message.text.contains("Northfield"))
        #expect(message.replyTo == "office@riverside.example")
        #expect(message.text.contains("ann@riverside.example"), "the inviter is named")
        #expect(message.html?.contains("#00aa00") == true)
    }

    @Test("A record that carries its facts is rendered without asking any org: an engine that has never heard of the org renders the same email")
    func theOutboxNeverAsksTheOrg() async throws {
        let (record, engine, _) = try await invitedThenRenamed()
        let stranger = MusterEngine(secret: secret, sink: InMemoryEventSink(), clock: ManualClock())
        let own = try await renderer.messages(for: record, engine: engine).messages
        let elsewhere = try await renderer.messages(for: record, engine: stranger).messages
        #expect(!own.isEmpty && own == elsewhere)
    }

    @Test("A record written before records carried their facts is still rendered, from the state as it is now, and needs the org")
    func anOlderRecordAsksTheState() async throws {
        var (record, engine, _) = try await invitedThenRenamed()
        record.mail = nil
        let message = try #require(try await renderer.messages(for: record, engine: engine).messages.first)
        #expect(message.subject.contains("Northfield Trust"))
        #expect(message.replyTo == "desk@northfield.example")
        let stranger = MusterEngine(secret: secret, sink: InMemoryEventSink(), clock: ManualClock())
        await #expect(throws: (any Error).self) { try await renderer.messages(for: record, engine: stranger) }
    }

    @Test("A resent invitation's record names who it goes to, their role and language; a sign-in link's names its user")
    func resendsAndSignInLinksNameTheirRecipient() async throws {
        let sink = InMemoryEventSink()
        let engine = MusterEngine(secret: secret, sink: sink, clock: ManualClock())
        let orgID = try await engine.createOrganisation(name: "Riverside Housing", by: .platformAdmin)
        let issued = try await engine.invite(
            org: orgID,
            email: try EmailAddress("bo@example.org"),
            role: .viewer,
            method: .email,
            locale: try LocaleTag("cy"),
            by: .platformAdmin
        )
        _ = try await engine.resendInvitation(org: orgID, id: issued.invitation.id, by: .platformAdmin)
        let resent = try #require(sink.durableRecords.last)
        #expect(resent.mail?.recipient?.value == "bo@example.org" && resent.mail?.role == .viewer && resent.mail?.locale?.value == "cy")
        let stranger = MusterEngine(secret: secret, sink: InMemoryEventSink(), clock: ManualClock())
        let message = try #require(try await renderer.messages(for: resent, engine: stranger).messages.first)
        #expect(message.kind == "invitation_resent" && message.to == "bo@example.org")

        _ = try await engine.createUserWithTemporaryPassword(
            org: orgID,
            email: try EmailAddress("cy@example.org"),
            fullName: "Cy Jones",
            role: .caseworker,
            by: .platformAdmin
        )
        _ = try await engine.requestSignInLink(email: try EmailAddress("cy@example.org"))
        let link = try #require(sink.durableRecords.last)
        #expect(link.mail == MailFacts(recipient: try EmailAddress("cy@example.org"), recipientName: "Cy Jones"))
        let email = try #require(try await renderer.messages(for: link, engine: stranger).messages.first)
        #expect(email.kind == "sign_in_link" && email.to == "cy@example.org" && email.text.contains("Cy Jones"))
    }

    @Test("Records that cause no email carry no facts, so the log grows only where an email follows")
    func recordsWithoutEmailsCarryNothing() async throws {
        let (_, _, sink) = try await invitedThenRenamed()
        let kinds = sink.durableRecords.map { ($0.mail != nil, $0.record) }
        // Created, settings, the admin's user and membership, the invitation, the rename.
        #expect(kinds.filter(\.0).count == 1)
    }
}
