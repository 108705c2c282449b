import MusterDomain
import MusterEngine
import MusterLog
import MusterSecurity
import MusterStorage
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
            org: orgID,
            tenant: tenant.id,
            mode: .full,
            invitee: .person(email: try EmailAddress("sam@support.example"), fullName: "Sam"),
            by: .platformAdmin
        )
        let webhook = try await engine.createWebhook(
            org: orgID,
            url: "https://hooks.example.org/a",
            eventTypes: [.userInvited],
            description: "d",
            after: 0,
            by: .platformAdmin
        )
        try await engine.pauseWebhook(webhook.view.webhook.id, org: orgID, cause: .requested, reason: "later", by: .platformAdmin)
        _ = try await engine.resumeWebhook(webhook.view.webhook.id, org: orgID, by: .platformAdmin)
        try await engine.deleteWebhook(webhook.view.webhook.id, org: orgID, by: .platformAdmin)
        _ = try await engine.updateOrganisation(
            orgID,
            .init(
                allowedRedirectOrigins: .set(["https://app.example.org"]),
                logoURL: .set("https://example.org/l.png"),
                accentColour: .set("#00aa00")
            ),
            by: .platformAdmin
        )
        let redirected = try await engine.invite(
            org: orgID,
            email: try EmailAddress("bo@example.org"),
            role: .viewer,
            method: .email,
            redirect: try RedirectURL("https://app.example.org/x"),
            by: .platformAdmin
        )
        _ = try await engine.revokeInvitation(org: orgID, id: redirected.invitation.id, reason: nil, by: .platformAdmin)
        _ = try await engine.reinvite(org: orgID, id: redirected.invitation.id, by: .platformAdmin)
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

    @Test("a record whose events differ in time or actor keeps each event's own, and one that shares them writes them once")
    func sharedAndOwnHeaders() throws {
        let orgID = OrganisationID.random()
        let at = Timestamp(millisecondsSinceEpoch: 1_767_225_600_000)
        func event(_ sequence: UInt64, _ at: Timestamp, _ actor: Principal) -> OrgEventRecord {
            OrgEventRecord(sequence: sequence, at: at, actor: actor, event: .invitationExpired(id: .random()))
        }
        let shared = LogRecord.org(orgID, [event(7, at, .system), event(8, at, .system), event(9, at, .system)])
        let laterTime = LogRecord.org(orgID, [event(7, at, .system), event(8, at.adding(.seconds(1)), .system)])
        let otherActor = LogRecord.org(orgID, [event(7, at, .system), event(8, at, .platformAdmin)])
        let gap = LogRecord.org(orgID, [event(7, at, .system), event(9, at, .system)])
        for record in [shared, laterTime, otherActor, gap] {
            #expect(try LogRecord(encoded: record.encoded()) == record)
        }
        // Three events under one header cost less than three with their own.
        let ownHeaders = LogRecord.org(orgID, [event(7, at, .system), event(8, at, .platformAdmin), event(9, at, .system)])
        #expect(shared.encoded().count < ownHeaders.encoded().count - 8)
    }

    @Test("a cut record and trailing bytes are refused, not guessed")
    func damageRefused() async throws {
        let bytes = try #require(try await workload().last).encoded()
        for length in [0, 1, bytes.count / 2, bytes.count - 1] {
            #expect(throws: LogError.self) { try LogRecord(encoded: Array(bytes.prefix(length))) }
        }
        #expect(throws: LogError.self) { try LogRecord(encoded: bytes + [0]) }
    }

    @Test("A role change written before events kept the previous role still reads, and its audit line still names both roles")
    func anOldRoleChangeStillReads() throws {
        let orgID = OrganisationID(high: 7, low: 7)
        let userID = UserID(high: 1, low: 2)
        let new = LogRecord.org(
            orgID,
            [
                OrgEventRecord(
                    sequence: 2,
                    at: Timestamp(millisecondsSinceEpoch: 5),
                    actor: .system,
                    event: .memberRoleChanged(userID: userID, role: .orgAdmin, previous: .viewer)
                )
            ]
        )
        // The layout before: the plain type tag (8), the user and the new role, no previous role.
        var old = new.encoded()
        let tag = try #require(old.firstIndex(of: 0x80))
        old[tag] = OrgEvent.Kind.memberRoleChanged.rawValue
        old.removeLast()
        guard case .org(_, let events) = try LogRecord(encoded: old),
            case .memberRoleChanged(let decodedUser, let role, let previous) = events[0].event
        else {
            Issue.record("the old layout did not decode to a role change")
            return
        }
        #expect(decodedUser == userID && role == .orgAdmin && previous == nil)
        #expect(try LogRecord(encoded: new.encoded()) == new)

        var state = OrgState(id: orgID)
        state.apply(
            OrgEventRecord(
                sequence: 1,
                at: Timestamp(millisecondsSinceEpoch: 1),
                actor: .system,
                event: .memberAdded(userID: userID, email: try EmailAddress("a@example.org"), role: .viewer, via: .invitation)
            )
        )
        state.apply(events[0])
        #expect(state.audit.last?.details == "viewer → org_admin", "the state supplies what the old record lacks")
    }
}
