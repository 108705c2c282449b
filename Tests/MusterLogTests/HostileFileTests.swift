import MusterEngine
import MusterStorage
import Testing

@testable import MusterDomain
@testable import MusterLog

/// Files that pass their checksums but say impossible things — crafted, or written by a bug —
/// are refused with an error the recovery can act on, never a trap.
@Suite struct HostileFileTests {
    private static let orgID = OrganisationID.random()
    private static let at = Timestamp(millisecondsSinceEpoch: 1_767_225_600_000)

    private static func invitation() -> Invitation {
        Invitation(
            id: .random(),
            orgID: orgID,
            email: try! EmailAddress("ann@example.org"),
            role: .viewer,
            method: .email,
            status: .pending,
            invitedBy: .platformAdmin,
            createdAt: at,
            expiresAt: at.adding(.days(7)),
            resendCount: 0,
            recentResends: []
        )
    }

    private static func audit(_ count: Int) -> [AuditEntry] {
        (0..<count).map { AuditEntry(sequence: UInt64($0 + 1), at: at, actor: .platformAdmin, action: .userInvited, target: InvitationID.random()) }
    }

    /// An org's snapshot encoding with the given version, invitations and audit lines.
    private static func org(version: UInt64, invitations: [Invitation], audit: [AuditEntry]) -> [UInt8] {
        var writer = BinaryWriter()
        writer.id(orgID)
        writer.string("Hostile")
        writer.timestamp(at)
        writer.varint(version)
        writer.varint(0)
        writer.varint(UInt64(invitations.count))
        for invitation in invitations { StateCodec.encode(invitation, into: &writer) }
        writer.varint(0)
        writer.varint(0)
        writer.varint(UInt64(audit.count))
        for entry in audit { StateCodec.encode(entry, into: &writer) }
        writer.varint(0)
        EventCodec.encode(OrgSettings(), into: &writer)
        return writer.bytes
    }

    private static func decode(_ bytes: [UInt8]) throws(LogError) -> OrgState {
        var reader = BinaryReader(bytes)
        return try StateCodec.decodeOrg(&reader)
    }

    @Test func aWellFormedOrgDecodes() throws {
        let state = try Self.decode(Self.org(version: 3, invitations: [Self.invitation()], audit: Self.audit(3)))
        #expect(state.version == 3 && state.audit.count == 3 && state.invitations.count == 1)
    }

    @Test func anOrgWhoseAuditTrailDisagreesWithItsVersionIsRefused() {
        #expect(throws: LogError.self) { try Self.decode(Self.org(version: 5, invitations: [], audit: Self.audit(3))) }
        var lines = Self.audit(3)
        lines[1].sequence = 7
        #expect(throws: LogError.self) { try Self.decode(Self.org(version: 3, invitations: [], audit: lines)) }
    }

    @Test func anOrgThatListsOneRowTwiceIsRefused() {
        let row = Self.invitation()
        #expect(throws: LogError.self) { try Self.decode(Self.org(version: 1, invitations: [row, row], audit: Self.audit(1))) }
    }

    @Test func anOrgWhoseCountsPromiseMoreRowsThanItsBytesHoldIsRefused() {
        var writer = BinaryWriter()
        writer.id(Self.orgID)
        writer.string("Hostile")
        writer.timestamp(Self.at)
        writer.varint(0)
        writer.varint(0)
        writer.varint(1 << 24)  // sixteen million invitations, and no bytes for any of them
        #expect(throws: LogError.self) { try Self.decode(writer.bytes) }
    }

    @Test func aSharedHeaderWhoseSequencesWouldOverflowIsRefused() {
        var writer = BinaryWriter()
        writer.u8(EventCodec.RecordTag.orgShared)
        writer.id(Self.orgID)
        writer.varint(2)
        writer.varint(UInt64.max)
        writer.timestamp(Self.at)
        writer.u8(0)
        for _ in 0..<2 {
            writer.u8(OrgEvent.Kind.invitationExpired.rawValue)
            writer.id(InvitationID.random())
        }
        #expect(throws: LogError.self) { try LogRecord(encoded: writer.bytes) }
    }

    @Test("A directory that lists two users with one email is refused, naming the email, and one with distinct emails loads")
    func aDirectoryWithOneEmailTwiceIsRefused() throws {
        let shared = try EmailAddress("twice@example.org")
        var users = RowTable<UserID, User>()
        for email in [try EmailAddress("first@example.org"), shared, try EmailAddress("other@example.org"), shared] {
            _ = users.appendNew(User(id: .random(), email: email, createdAt: Self.at, origin: .invitation, mustChangePassword: false))
        }
        func encoded(_ users: RowTable<UserID, User>) -> [UInt8] {
            // Rows set straight in, past the email index: a directory no state could be built from.
            var directory = DirectoryState()
            directory.users = users
            var writer = BinaryWriter()
            StateCodec.encode(directory, into: &writer)
            return writer.bytes
        }
        var refused = BinaryReader(encoded(users), format: EventCodec.version)
        #expect {
            try StateCodec.decodeDirectory(&refused)
        } throws: { error in
            guard case LogError.malformed(let message) = error else { return false }
            return message.contains("twice@example.org")
        }
        var distinct = RowTable<UserID, User>()
        for user in users.rows.prefix(3) { _ = distinct.appendNew(user) }
        var loads = BinaryReader(encoded(distinct), format: EventCodec.version)
        #expect(try StateCodec.decodeDirectory(&loads).users == distinct)
    }
}
