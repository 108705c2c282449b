import MusterDomain
import MusterStorage
import Testing

@testable import MusterLog

@Suite("An org's state through the snapshot's encoding")
struct StateCodecTests {
    private static let at = Timestamp(millisecondsSinceEpoch: 1_700_000_000_000)

    /// An org whose two tenants' teams were invited in turns, one row of each ended, a
    /// reference-only contact among them, and invitations pending, accepted and re-sent to one
    /// email: every index over the rows has something to hold.
    private static func org() throws -> (state: OrgState, tenants: [TenantID], people: [UserID], email: EmailAddress) {
        var state = OrgState(id: .random())
        var events: [OrgEvent] = [.organisationCreated(name: "Interleaved")]
        let tenants = [TenantID.random(), TenantID.random()]
        for (index, tenant) in tenants.enumerated() { events.append(.tenantCreated(id: tenant, name: "Case \(index)", reference: nil)) }
        let people = (0..<3).map { _ in UserID.random() }
        var rows = [CollaboratorID]()
        for round in 0..<3 {
            for tenant in tenants {
                var invited = OrgEvent.CollaboratorInvitation(
                    id: .random(),
                    tenantID: tenant,
                    mode: round == 2 ? .referenceOnly : .full,
                    capOverridden: false
                )
                if round < 2 { invited.userID = people[round] }
                rows.append(invited.id)
                events.append(.collaboratorInvited(invited))
            }
        }
        events.append(.collaboratorEnded(id: rows[0]))
        events.append(.collaboratorEnded(id: rows[3]))
        let email = try EmailAddress("twice@example.org")
        let first = InvitationID.random()
        events.append(.userInvited(id: first, email: email, role: .caseworker, method: .email, expiresAt: at, seal: LinkSeal(nonce: .random())))
        events.append(.invitationExpired(id: first))
        events.append(.userInvited(id: .random(), email: email, role: .caseworker, method: .email, expiresAt: at, seal: LinkSeal(nonce: .random())))
        let accepted = InvitationID.random()
        let other = try EmailAddress("accepted@example.org")
        events.append(.userInvited(id: accepted, email: other, role: .caseworker, method: .email, expiresAt: at, seal: LinkSeal(nonce: .random())))
        events.append(.invitationAccepted(id: accepted, userID: people[2]))
        for (index, event) in events.enumerated() {
            state.apply(OrgEventRecord(sequence: UInt64(index + 1), at: at, actor: .platformAdmin, event: event))
        }
        return (state, tenants, people, email)
    }

    private static func roundTrip(_ state: OrgState) throws -> OrgState {
        var writer = BinaryWriter()
        StateCodec.encode(state, into: &writer)
        var reader = BinaryReader(writer.bytes, format: EventCodec.version)
        let decoded = try StateCodec.decodeOrg(&reader)
        #expect(reader.isAtEnd)
        return decoded
    }

    @Test("A state read back from its encoding equals it and answers every indexed question the same, though its rows are numbered by tenant")
    func readBackAnswersAlike() throws {
        let (live, tenants, people, email) = try Self.org()
        let read = try Self.roundTrip(live)
        #expect(read == live)
        #expect(read.collaborators.rows.map(\.id) != live.collaborators.rows.map(\.id), "the snapshot keeps rows with their tenant")
        for tenant in tenants {
            #expect(read.collaborators(of: tenant) == live.collaborators(of: tenant), "the team of \(tenant), in the order invited")
            #expect(live.collaborators(of: tenant).count == 3)
            for person in people {
                #expect(read.activeAssignment(tenant: tenant, user: person) == live.activeAssignment(tenant: tenant, user: person))
            }
        }
        #expect(live.activeAssignment(tenant: tenants[0], user: people[0]) == nil, "an ended row is no assignment")
        #expect(live.activeAssignment(tenant: tenants[0], user: people[1]) != nil)
        #expect(read.invitations(for: email).map(\.id) == live.invitations(for: email).map(\.id))
        #expect(live.invitations(for: email).count == 2)
        #expect(read.pendingInvitation(for: email) == live.pendingInvitation(for: email))
        #expect(live.pendingInvitation(for: email)?.id == live.invitations(for: email).last?.id)
        #expect(Set(read.pendingInvitationIDs) == Set(live.pendingInvitationIDs))
        #expect(read.isActiveCollaborator(people[1]) && !read.isActiveCollaborator(people[2]))
    }

    @Test("A tenant whose team list names a row that is not the one after it is refused, not filed under the wrong case")
    func aTeamListThatLiesIsRefused() throws {
        let (live, _, _, _) = try Self.org()
        var writer = BinaryWriter()
        StateCodec.encode(live, into: &writer)
        var bytes = writer.bytes
        // The first tenant's team list starts with its first row's id; the row itself follows
        // later. Change one byte of the id in the list only.
        let firstRow = live.collaborators(of: live.tenants.rows[0].id)[0].id
        let idBytes = withUnsafeBytes(of: firstRow.high.littleEndian) { Array($0) }
        let listed = try #require((0..<(bytes.count - 8)).first { Array(bytes[$0..<($0 + 8)]) == idBytes })
        bytes[listed] ^= 0xFF
        var reader = BinaryReader(bytes, format: EventCodec.version)
        #expect(throws: LogError.self) { try StateCodec.decodeOrg(&reader) }
    }
}
