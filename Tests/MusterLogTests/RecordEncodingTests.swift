import MusterDomain
import MusterEngine
import MusterLog
import MusterSecurity
import Testing

@Suite("One record's public encoding")
struct RecordEncodingTests {
    /// The records of a small real workload: org, tenant, invitation, collaborator, directory.
    private func workload() async throws -> [LogRecord] {
        let sink = InMemoryEventSink()
        let engine = engine(on: sink, clock: ManualClock())
        let orgID = try await engine.createOrganisation(name: "Encoding Trust", by: .platformAdmin)
        let tenant = try await engine.createTenant(org: orgID, name: "Robin", by: .platformAdmin)
        _ = try await engine.invite(org: orgID, email: try EmailAddress("ada@example.org"), role: .caseworker, method: .email, by: .platformAdmin)
        _ = try await engine.inviteCollaborator(
            org: orgID, tenant: tenant.id, mode: .full, invitee: .person(email: try EmailAddress("sam@support.example"), fullName: "Sam"), by: .platformAdmin)
        let webhook = try await engine.createWebhook(
            org: orgID, url: "https://hooks.example.org/a", eventTypes: [.userInvited], description: "d", after: 0, by: .platformAdmin)
        try await engine.pauseWebhook(webhook.view.webhook.id, org: orgID, cause: .requested, reason: "later", by: .platformAdmin)
        _ = try await engine.resumeWebhook(webhook.view.webhook.id, org: orgID, by: .platformAdmin)
        try await engine.deleteWebhook(webhook.view.webhook.id, org: orgID, by: .platformAdmin)
        return sink.records
    }

    @Test("every record decodes to itself")
    func roundTrip() async throws {
        let records = try await workload()
        #expect(records.count >= 5)
        for record in records {
            #expect(try LogRecord(encoded: record.encoded()) == record)
        }
    }

    @Test("a cut record and trailing bytes are refused, not guessed")
    func damageRefused() async throws {
        let bytes = try #require(try await workload().last).encoded()
        for length in [0, 1, bytes.count / 2, bytes.count - 1] {
            #expect(throws: LogError.self) { try LogRecord(encoded: Array(bytes.prefix(length))) }
        }
        #expect(throws: LogError.self) { try LogRecord(encoded: bytes + [0]) }
    }
}
