import MusterDomain
import MusterEngine
import MusterSecurity
import MusterStorage
import MusterTestSupport
import Synchronization
import Testing

@testable import MusterLog

/// `muster backup`, `verify` and `restore` at their core: a consistent copy of a folder being
/// written, a check that names what is damaged, and a restore that stops exactly where asked.
@Suite("Backup, check and restore of a data folder")
struct BackupTests {
    private static func open(_ path: String, clock: ManualClock, segmentSize: Int64 = 2048) async throws -> DurableEngine {
        var options = StoreOptions(dataDirectory: path)
        options.segmentSize = segmentSize
        return try await DurableEngine.open(options, secret: Array(repeating: 42, count: 32), clock: clock, hasher: PasswordHasher(rounds: 1_000))
    }

    /// Every org's state and the directory, comparable across folders.
    private static func states(_ engine: MusterEngine) async -> ([OrgState], DirectoryState) {
        (await engine.orgStates().sorted { $0.id < $1.id }, await engine.directoryState())
    }

    /// A folder of `orgs` orgs, each with `invitations` invitations made eight at a time (so
    /// that group commit puts several records in a frame), the clock a minute on for each org.
    private static func populated(_ path: String, clock: ManualClock, orgs: Int = 6, invitations: Int = 16) async throws {
        let durable = try await open(path, clock: clock)
        for index in 0..<orgs {
            let org = try await durable.engine.createOrganisation(name: "Org \(index)", by: .platformAdmin)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for person in 0..<invitations {
                    group.addTask {
                        _ = try await durable.engine.invite(
                            org: org,
                            email: try EmailAddress("p\(person)@org\(index).example"),
                            role: .caseworker,
                            method: .email,
                            by: .platformAdmin
                        )
                    }
                    if person % 8 == 7 { try await group.waitForAll() }
                }
                try await group.waitForAll()
            }
            // A batch is appended in one step of the org's actor: group commit frames it together.
            let batch = try (0..<8).map { person in
                (
                    email: try EmailAddress("batch\(person)@org\(index).example"), role: Role.viewer, method: Invitation.Method.email,
                    lifetimeDays: Int?.none, locale: LocaleTag?.none, redirect: RedirectURL?.none
                )
            }
            _ = try await durable.engine.invite(org: org, batch: batch, by: .platformAdmin)
            if index == orgs / 2 { _ = try await durable.snapshot() }
            clock.advance(by: .minutes(1))
        }
        durable.close()
    }

    @Test(
        "A backup taken while writes and snapshots go on holds every write acknowledged before it began, checks sound, and restores into a folder that starts"
    )
    func aBackupUnderWritesHoldsEveryAcknowledgedWrite() async throws {
        let source = TemporaryDirectory()
        let copies = TemporaryDirectory()
        let clock = ManualClock()
        let durable = try await Self.open(source.path, clock: clock, segmentSize: 4096)
        let org = try await durable.engine.createOrganisation(name: "Riverside", by: .platformAdmin)
        var acknowledged = [InvitationID]()
        for index in 0..<150 {
            acknowledged.append(
                try await durable.engine.invite(
                    org: org,
                    email: try EmailAddress("a\(index)@example.org"),
                    role: .viewer,
                    method: .email,
                    by: .platformAdmin
                )
                .invitation.id
            )
        }
        let stop = Atomic<Bool>(false)
        let writer = Task {
            var index = 0
            while !stop.load(ordering: .relaxed) {
                _ = try await durable.engine.invite(
                    org: org,
                    email: try EmailAddress("b\(index)@example.org"),
                    role: .viewer,
                    method: .email,
                    by: .platformAdmin
                )
                if index % 40 == 0 { _ = try await durable.snapshot() }
                index += 1
            }
            return index
        }
        try await Task.sleep(for: .milliseconds(50))
        let manifest = try await Task.detached {
            try DataFolderBackup.take(from: source.path, to: copies.path + "/backup", now: 1)
        }.value
        try await Task.sleep(for: .milliseconds(50))
        stop.store(true, ordering: .relaxed)
        let writtenDuring = try await writer.value
        durable.close()
        #expect(writtenDuring > 0, "writes went on during the backup")

        let check = DataFolderCheck.check(copies.path + "/backup")
        #expect(check.isSound, "\(check.damage)")
        #expect(check.lastPosition == manifest.lastPosition)
        let outcome = try DataFolderRestore.restore(from: copies.path + "/backup", to: copies.path + "/restored")
        #expect(outcome.lastPosition == manifest.lastPosition)
        let restored = try await Self.open(copies.path + "/restored", clock: clock)
        let state = try #require(await restored.engine.orgStates().first { $0.id == org })
        #expect(acknowledged.allSatisfy { state.invitations[$0] != nil }, "a write acknowledged before the backup began is missing")
        // And it goes on where it stopped.
        _ = try await restored.engine.invite(
            org: org,
            email: try EmailAddress("after@example.org"),
            role: .viewer,
            method: .email,
            by: .platformAdmin
        )
        restored.close()
    }

    @Test("Restoring up to a log position stops exactly there, inside a frame too: the state is the log replayed through it")
    func untilAPositionStopsExactlyThere() async throws {
        let folder = TemporaryDirectory()
        let clock = ManualClock()
        try await Self.populated(folder.path + "/live", clock: clock)
        _ = try DataFolderBackup.take(from: folder.path + "/live", to: folder.path + "/backup", now: 1)
        let all = try LogRecovery.scan(LogConfiguration(directory: folder.path + "/backup/log"), repair: false).records
        // A position inside a frame that holds several records, in any segment.
        var inside: LogPosition?
        for name in try PosixFileSystem().list(folder.path + "/backup/log").sorted() where inside == nil {
            let segment = try PosixFileSystem().read(folder.path + "/backup/log/" + name)
            var offset = 0
            while case .frame(let frame, let length) = Frame.scan(segment, at: offset) {
                if frame.recordCount >= 3, inside == nil { inside = frame.firstPosition + 1 }
                offset += length
            }
        }
        let middle = try #require(inside, "group commit put several records in one frame")
        for (index, point) in [LogPosition(1), middle, LogPosition(all.count / 2), LogPosition(all.count)].enumerated() {
            let target = folder.path + "/restored-\(index)"
            let outcome = try DataFolderRestore.restore(from: folder.path + "/backup", to: target, until: .position(point))
            #expect(outcome.lastPosition == point && outcome.recordsLeftOut == all.count - Int(point))
            let replay = LogReplay(onto: nil)
            try replay.apply(all.filter { $0.position <= point })
            let restored = try await Self.open(target, clock: clock)
            let states = await Self.states(restored.engine)
            #expect(states.0 == replay.orgs.sorted { $0.id < $1.id }, "at \(point)")
            #expect(states.1 == replay.directory, "at \(point)")
            restored.close()
        }
    }

    @Test("Restoring up to a time keeps every change made at or before it and none after")
    func untilATimeStopsThere() async throws {
        let folder = TemporaryDirectory()
        let clock = ManualClock()
        let start = clock.now()
        try await Self.populated(folder.path + "/live", clock: clock)
        _ = try DataFolderBackup.take(from: folder.path + "/live", to: folder.path + "/backup", now: 1)
        // The orgs were made a minute apart: half a minute after the third's, three stand.
        let point = start.adding(.minutes(2)).adding(.seconds(30))
        _ = try DataFolderRestore.restore(from: folder.path + "/backup", to: folder.path + "/restored", until: .time(point))
        let restored = try await Self.open(folder.path + "/restored", clock: clock)
        let orgs = await restored.engine.orgStates()
        #expect(Set(orgs.map(\.name)) == ["Org 0", "Org 1", "Org 2"])
        #expect(orgs.allSatisfy { $0.invitations.count == 16 + 8 })
        restored.close()
    }

    /// Ways a backup can be damaged, and the file the check must name.
    enum Damage: String, CaseIterable {
        case byteInAnOlderSegment, byteInTheNewestFrame, byteInASnapshot, segmentCutShort, segmentMissing
    }

    @Test(
        "A damaged backup is refused by the check and by restore, naming the file (and, for the log, the offset); nothing is restored",
        arguments: Damage.allCases
    )
    func aDamagedBackupIsRefused(_ damage: Damage) async throws {
        let folder = TemporaryDirectory()
        let clock = ManualClock()
        try await Self.populated(folder.path + "/live", clock: clock)
        let backup = folder.path + "/backup"
        let manifest = try DataFolderBackup.take(from: folder.path + "/live", to: backup, now: 1)
        let segments = manifest.files.map(\.path).filter { $0.hasPrefix("log/") }.sorted()
        try #require(segments.count >= 3)
        let fileSystem = PosixFileSystem()
        func flip(_ path: String, at offset: Int) throws {
            var bytes = try fileSystem.read(backup + "/" + path)
            bytes[offset] ^= 0x5A
            try fileSystem.writeFile(backup + "/" + path, bytes)
        }
        /// Where the last frame of a segment starts.
        func lastFrame(_ path: String) throws -> Int {
            let bytes = try fileSystem.read(backup + "/" + path)
            var offset = 0
            var last = 0
            while case .frame(_, let length) = Frame.scan(bytes, at: offset) {
                last = offset
                offset += length
            }
            return last
        }
        let named: String
        var frameOffset: Int?
        switch damage {
        case .byteInAnOlderSegment:
            named = segments[1]
            frameOffset = try lastFrame(named)
            try flip(named, at: try fileSystem.read(backup + "/" + named).count - 3)
        case .byteInTheNewestFrame:
            named = segments.last!
            frameOffset = try lastFrame(named)
            try flip(named, at: try fileSystem.read(backup + "/" + named).count - 3)
        case .byteInASnapshot:
            named = try #require(manifest.files.map(\.path).first { $0.hasPrefix("snapshots/") })
            try flip(named, at: 40)
        case .segmentCutShort:
            named = segments[1]
            try fileSystem.writeFile(backup + "/" + named, Array(try fileSystem.read(backup + "/" + named).prefix(200)))
        case .segmentMissing:
            named = segments[1]
            try fileSystem.remove(backup + "/" + named)
        }
        let check = DataFolderCheck.check(backup)
        #expect(!check.isSound)
        let offsets = check.damage.compactMap { damage -> Int64? in
            if case .damaged(named, let offset, _) = damage { offset } else { nil }
        }
        let offset = try #require(offsets.first, "no damage names \(named): \(check.damage)")
        if let frameOffset {
            // Where its frame starts (0 when group commit put the segment's records in one).
            #expect(offset == Int64(frameOffset), "the offset of the damaged frame: \(check.damage)")
        }
        #expect(throws: BackupError.self) { try DataFolderRestore.restore(from: backup, to: folder.path + "/restored") }
        #expect(!fileSystem.exists(folder.path + "/restored") && !fileSystem.exists(folder.path + "/restored.restoring"))
    }

    @Test("A backup or a restore into a folder that holds anything is refused, and the folder is left as it was")
    func aFolderWithDataIsNeverOverwritten() async throws {
        let folder = TemporaryDirectory()
        let clock = ManualClock()
        try await Self.populated(folder.path + "/live", clock: clock, orgs: 1, invitations: 2)
        _ = try DataFolderBackup.take(from: folder.path + "/live", to: folder.path + "/backup", now: 1)
        let fileSystem = PosixFileSystem()
        try fileSystem.createDirectory(folder.path + "/taken")
        try fileSystem.writeFile(folder.path + "/taken/keep.txt", Array("mine".utf8))
        #expect(throws: BackupError.self) { try DataFolderRestore.restore(from: folder.path + "/backup", to: folder.path + "/taken") }
        #expect(throws: BackupError.self) { try DataFolderBackup.take(from: folder.path + "/live", to: folder.path + "/taken", now: 1) }
        #expect(try fileSystem.list(folder.path + "/taken") == ["keep.txt"])
        #expect(try fileSystem.read(folder.path + "/taken/keep.txt") == Array("mine".utf8))
        // A point the backup does not hold is refused too, before anything is written.
        #expect(throws: BackupError.self) {
            try DataFolderRestore.restore(from: folder.path + "/backup", to: folder.path + "/far", until: .position(1_000_000))
        }
        #expect(!fileSystem.exists(folder.path + "/far"))
    }

    @Test(
        "A forged manifest cannot make a check or a restore reach outside the backup",
        arguments: ["../outside", "/etc/passwd", "log/../../outside", "mail/x", "log/a/b", "", "log/", "."]
    )
    func aForgedManifestStaysInside(_ path: String) async throws {
        let folder = TemporaryDirectory()
        let clock = ManualClock()
        try await Self.populated(folder.path + "/live", clock: clock, orgs: 1, invitations: 2)
        let backup = folder.path + "/backup"
        _ = try DataFolderBackup.take(from: folder.path + "/live", to: backup, now: 1)
        let fileSystem = PosixFileSystem()
        let text = String(decoding: try fileSystem.read(backup + "/MANIFEST"), as: UTF8.self) + "file 00000000 0 \(path)\n"
        try fileSystem.writeFile(backup + "/MANIFEST", Array(text.utf8))
        #expect(!BackupManifest.isSafe(path))
        #expect(!DataFolderCheck.check(backup).isSound)
        #expect(throws: BackupError.self) { try DataFolderRestore.restore(from: backup, to: folder.path + "/restored") }
        #expect(!fileSystem.exists(folder.path + "/restored"))
    }
}
