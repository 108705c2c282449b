import MusterEngine
import MusterStorage
import MusterTestSupport
import Testing

@testable import MusterDomain
@testable import MusterLog

/// A snapshot writes a person's address once, in the directory; their members and collaborator
/// rows in every org mark it, and load sharing the directory's copy.
@Suite struct SharedAddressTests {
    /// The sample workload's snapshot, read back, and the engine's states when it was taken.
    private static func sample(runs: Int = 1) async throws -> (snapshot: Snapshot, bytes: [UInt8], live: ([OrgState], DirectoryState)) {
        let directory = TemporaryDirectory()
        let clock = ManualClock()
        let engine = try await DurableEngineTests.open(directory, clock: clock)
        for _ in 0..<runs { try await SampleWorkload.run(on: engine.engine, clock: clock) }
        let live = await DurableEngineTests.states(engine.engine)
        let written = try await engine.snapshot()
        engine.close()
        let snapshot = try SnapshotStore(directory: directory.path + "/snapshots").load(written.path)
        return (snapshot, try PosixFileSystem().read(written.path), live)
    }

    /// Where a string's bytes are stored: two strings that share one copy answer alike.
    private static func storage(of text: String) -> UnsafeRawPointer? {
        text.utf8.withContiguousStorageIfAvailable { UnsafeRawPointer($0.baseAddress) } ?? nil
    }

    private static func occurrences(of needle: [UInt8], in bytes: [UInt8]) -> Int {
        guard needle.count <= bytes.count else { return 0 }
        return (0...(bytes.count - needle.count)).count { bytes[$0] == needle[0] && Array(bytes[$0..<($0 + needle.count)]) == needle }
    }

    @Test(
        "A collaborator's and a member's address is written once, in the directory, and their rows load equal to the live ones, sharing the directory's copy"
    )
    func addressesAreWrittenOnceAndShared() async throws {
        let (snapshot, bytes, live) = try await Self.sample()
        #expect(snapshot.orgs.sorted { $0.id < $1.id } == live.0)
        #expect(snapshot.directory == live.1)
        var shared = (rows: 0, members: 0, invitations: 0)
        for org in snapshot.orgs {
            for row in org.collaborators.rows {
                guard let userID = row.userID, let email = row.email else { continue }
                let user = try #require(snapshot.directory.users[userID])
                #expect(email == user.email)
                #expect(Self.storage(of: email.value) == Self.storage(of: user.email.value), "row \(row.id) shares its user's copy")
                shared.rows += 1
            }
            for member in org.members.values {
                let user = try #require(snapshot.directory.users[member.userID])
                guard member.email == user.email else { continue }
                #expect(
                    Self.storage(of: member.email.value) == Self.storage(of: user.email.value),
                    "member \(member.userID) shares their user's copy"
                )
                shared.members += 1
            }
        }
        for org in snapshot.orgs {
            for invitation in org.invitations.rows {
                guard let userID = invitation.acceptedBy else { continue }
                let user = try #require(snapshot.directory.users[userID])
                guard invitation.email == user.email else { continue }
                #expect(
                    Self.storage(of: invitation.email.value) == Self.storage(of: user.email.value),
                    "invitation \(invitation.id) shares its user's copy"
                )
                shared.invitations += 1
            }
        }
        #expect(
            shared.rows >= 3 && shared.members >= 3 && shared.invitations >= 2,
            "the sample has rows, members and invitations of each kind: \(shared)"
        )
        // A collaborator's address that nothing but their rows and their user hold is in the
        // file once: in the directory's block.
        let worker = try #require(snapshot.directory.users.rows.first { $0.origin == .collaborator })
        #expect(worker.email.value.utf8.count > 15, "an address too long to be kept inline, so stored apart")
        #expect(Self.occurrences(of: Array(worker.email.value.utf8), in: bytes) == 1)
    }

    @Test("A row whose address is not its user's any more keeps its own, and reads back as it was")
    func aRowWithAnotherAddressKeepsItsOwn() async throws {
        let (snapshot, _, _) = try await Self.sample()
        var directory = snapshot.directory
        let org = try #require(snapshot.orgs.first { $0.collaborators.rows.contains { $0.userID != nil } && !$0.members.isEmpty })
        let row = try #require(org.collaborators.rows.first { $0.userID != nil })
        let member = try #require(org.members.values.first)
        for userID in [row.userID!, member.userID] {
            directory.users[userID]?.email = try EmailAddress("renamed-\(userID.low)@elsewhere.example")
        }
        let changed = Snapshot(position: snapshot.position, directory: directory, orgs: snapshot.orgs)
        let read = try SnapshotStore.decode(SnapshotStore.encode(changed, compressed: false))
        #expect(read.orgs == snapshot.orgs, "every row's address as it was")
        #expect(read.directory.users == directory.users)
        let readOrg = try #require(read.orgs.first { $0.id == org.id })
        #expect(readOrg.collaborators[row.id]?.email == row.email)
        #expect(readOrg.members[member.userID]?.email == member.email)
    }

    @Test("A mark that names a user the directory lacks, or no directory at all, is refused")
    func aMarkForAMissingUserIsRefused() async throws {
        let (snapshot, _, _) = try await Self.sample()
        let org = try #require(snapshot.orgs.first { $0.collaborators.rows.contains { $0.userID != nil } })
        var writer = BinaryWriter()
        StateCodec.encode(org, sharingAddressesOf: snapshot.directory, into: &writer)
        var reader = BinaryReader(writer.bytes, format: EventCodec.version)
        #expect(try StateCodec.decodeOrg(&reader, sharingAddressesOf: snapshot.directory) == org)

        var lacking = DirectoryState()
        for user in snapshot.directory.users.rows where user.id != org.collaborators.rows.first(where: { $0.userID != nil })!.userID {
            _ = lacking.users.appendNew(user)
        }
        for directory in [lacking, nil] {
            var reader = BinaryReader(writer.bytes, format: EventCodec.version)
            #expect(throws: LogError.self, "directory \(directory == nil ? "absent" : "without the user")") {
                try StateCodec.decodeOrg(&reader, sharingAddressesOf: directory)
            }
        }
    }

    @Test("An address mark that is unknown, missing from a member, on a row without a user, or on an invitation nobody accepted is refused")
    func aMarkThatCannotBeIsRefused() async throws {
        let at = Timestamp(millisecondsSinceEpoch: 1_700_000_000_000)
        let email = try EmailAddress("someone@example.org")
        let member = Member(userID: .random(), email: email, role: .caseworker, grants: [], joinedAt: at, joinedVia: .invitation)
        var writer = BinaryWriter()
        StateCodec.encode(member, userAddress: email, into: &writer)
        // The member's mark follows its 16-byte user id.
        #expect(writer.bytes[16] == StateCodec.AddressMark.users.rawValue)
        for mark: UInt8 in [0, 3, 255] {
            var bytes = writer.bytes
            bytes[16] = mark
            var reader = BinaryReader(bytes, format: EventCodec.version)
            #expect(throws: LogError.self, "member mark \(mark)") { try StateCodec.decodeMember(&reader) }
        }

        let contact = Collaborator(
            id: .random(),
            tenantID: .random(),
            mode: .referenceOnly,
            email: email,
            invitedBy: .platformAdmin,
            invitedAt: at,
            capOverridden: false
        )
        var rowWriter = BinaryWriter()
        StateCodec.encode(contact, userAddress: email, into: &rowWriter)
        var reader = BinaryReader(rowWriter.bytes, format: EventCodec.version)
        #expect(throws: LogError.self, "a row without a user cannot share its address") { try StateCodec.decodeCollaborator(&reader) }
        // The row's mark follows its id, its tenant's, its mode and its absent user (one byte).
        #expect(rowWriter.bytes[34] == StateCodec.AddressMark.users.rawValue)
        var unknown = rowWriter.bytes
        unknown[34] = 3
        var unknownReader = BinaryReader(unknown, format: EventCodec.version)
        #expect(throws: LogError.self, "row mark 3") { try StateCodec.decodeCollaborator(&unknownReader) }

        let (snapshot, _, _) = try await Self.sample()
        let pending = try #require(snapshot.orgs.lazy.flatMap(\.invitations.rows).first { $0.acceptedBy == nil })
        var invitationWriter = BinaryWriter()
        StateCodec.encode(pending, userAddress: pending.email, into: &invitationWriter)
        #expect(invitationWriter.bytes[16] == StateCodec.AddressMark.users.rawValue)
        var invitationReader = BinaryReader(invitationWriter.bytes, format: EventCodec.version)
        #expect(throws: LogError.self, "an invitation nobody accepted cannot share an address") {
            try StateCodec.decodeInvitation(&invitationReader, orgID: pending.orgID)
        }
    }

    @Test(
        "A marked member, invitation or collaborator row whose user the directory lacks is refused by the whole load, whichever block it is in, and nothing loads"
    )
    func aSnapshotMissingAMarkedUserIsRefused() async throws {
        let (snapshot, _, _) = try await Self.sample()
        var marked = [(kind: String, userID: UserID)]()
        for org in snapshot.orgs {
            for member in org.members.values where snapshot.directory.users[member.userID]?.email == member.email {
                marked.append(("member", member.userID))
            }
            for invitation in org.invitations.rows {
                if let userID = invitation.acceptedBy, snapshot.directory.users[userID]?.email == invitation.email {
                    marked.append(("invitation", userID))
                }
            }
            for row in org.collaborators.rows {
                if let userID = row.userID, snapshot.directory.users[userID]?.email == row.email { marked.append(("collaborator row", userID)) }
            }
        }
        #expect(Set(marked.map(\.kind)) == ["member", "invitation", "collaborator row"])
        for (kind, userID) in marked {
            var lacking = DirectoryState()
            for user in snapshot.directory.users.rows where user.id != userID { _ = lacking.users.appendNew(user) }
            // Encoded against the whole directory, so the rows are marked; stored with a
            // directory that lacks the user, as a forged or damaged file would be.
            var bytes = SnapshotStore.encode(snapshot, compressed: false, rowsPerBlock: 1)
            let withoutUser = SnapshotStore.encode(Snapshot(position: snapshot.position, directory: lacking, orgs: []), compressed: false)
            bytes = Self.replacingDirectoryBlock(of: bytes, with: withoutUser)
            #expect(throws: LogError.self, "a \(kind) of user \(userID)") { try SnapshotStore.decode(bytes) }
        }
    }

    @Test("Orgs load in the order they were written, one block each or many to a block")
    func orgsLoadInTheirOrder() async throws {
        let (snapshot, _, _) = try await Self.sample(runs: 3)
        #expect(snapshot.orgs.count >= 4, "orgs enough to split over blocks")
        for rowsPerBlock in [1, 40, 20_000] {
            let read = try SnapshotStore.decode(SnapshotStore.encode(snapshot, compressed: rowsPerBlock == 40, rowsPerBlock: rowsPerBlock))
            #expect(read.orgs.map(\.id) == snapshot.orgs.map(\.id), "\(rowsPerBlock) rows a block")
            #expect(read.orgs == snapshot.orgs)
        }
    }

    @Test("An address that only looks like its user's (the same text, composed another way) keeps its own bytes")
    func canonicallyEqualAddressesKeepTheirBytes() async throws {
        let (snapshot, _, _) = try await Self.sample()
        let composed = EmailAddress(normalised: "jos\u{E9}@example.org")
        let decomposed = EmailAddress(normalised: "jose\u{301}@example.org")
        #expect(composed == decomposed && !composed.value.utf8.elementsEqual(decomposed.value.utf8), "equal as strings, not as bytes")
        var orgs = snapshot.orgs
        var directory = snapshot.directory
        let index = try #require(orgs.firstIndex { $0.collaborators.rows.contains { $0.userID != nil } })
        let row = try #require(orgs[index].collaborators.rows.first { $0.userID != nil })
        orgs[index].collaborators[row.id]?.email = decomposed
        directory.users[row.userID!]?.email = composed
        let read = try SnapshotStore.decode(
            SnapshotStore.encode(Snapshot(position: snapshot.position, directory: directory, orgs: orgs), compressed: false)
        )
        let readRow = try #require(read.orgs.first { $0.id == orgs[index].id }?.collaborators[row.id])
        #expect(Array(readRow.email!.value.utf8) == Array(decomposed.value.utf8), "the row's own bytes")
        #expect(Array(read.directory.users[row.userID!]!.email.value.utf8) == Array(composed.value.utf8))
    }

    /// `bytes` (a snapshot file) with its directory block (block 0) taken from `other`, every
    /// checksum good (the header's covers the block count, which stays): what a forger could write.
    private static func replacingDirectoryBlock(of bytes: [UInt8], with other: [UInt8]) -> [UInt8] {
        func blockEnd(_ file: [UInt8]) -> Int {
            let header = SnapshotStore.headerLength
            let stored = Int(file[header + 5]) | Int(file[header + 6]) << 8 | Int(file[header + 7]) << 16 | Int(file[header + 8]) << 24
            return header + 13 + stored
        }
        let header = SnapshotStore.headerLength
        return Array(bytes[0..<header]) + Array(other[header..<blockEnd(other)]) + Array(bytes[blockEnd(bytes)...])
    }
}
