import MusterDomain
import MusterEngine
import MusterSecurity
import MusterStorage
import MusterTestSupport
import Testing

@testable import MusterLog

@Suite struct DurableEngineTests {
    static func open(_ directory: TemporaryDirectory, clock: ManualClock, segmentSize: Int64 = 1 << 20) async throws -> DurableEngine {
        var options = StoreOptions(dataDirectory: directory.path)
        options.segmentSize = segmentSize
        return try await DurableEngine.open(options, secret: Array(repeating: 42, count: 32), clock: clock, hasher: PasswordHasher(rounds: 1_000))
    }

    /// Every org's state and the directory, comparable across restarts.
    static func states(_ engine: MusterEngine) async -> ([OrgState], DirectoryState) {
        (await engine.orgStates().sorted { $0.id < $1.id }, await engine.directoryState())
    }

    @Test func aRestartFromSnapshotPlusLogGivesExactlyTheStateBeforeIt() async throws {
        let directory = TemporaryDirectory()
        let clock = ManualClock()
        let first = try await Self.open(directory, clock: clock)
        try await SampleWorkload.run(on: first.engine, clock: clock)
        let snapshot = try await first.snapshot()
        try await SampleWorkload.run(on: first.engine, clock: clock)
        let before = await Self.states(first.engine)
        let collaborator = before.1.users.rows.first { $0.origin == .collaborator }!
        let caseload = try await first.engine.caseload(of: collaborator.id)
        first.close()

        let second = try await Self.open(directory, clock: clock)
        #expect(second.report.snapshotPosition == snapshot.position)
        #expect(second.report.records > 0 && second.report.truncations.isEmpty)
        let after = await Self.states(second.engine)
        #expect(after.0 == before.0)
        #expect(after.1 == before.1)
        #expect(try await second.engine.caseload(of: collaborator.id) == caseload)
        // And it goes on working where it left off.
        try await SampleWorkload.run(on: second.engine, clock: clock)
        second.close()
    }

    @Test func aRestartFromTheLogAloneGivesExactlyTheStateBeforeIt() async throws {
        let directory = TemporaryDirectory()
        let clock = ManualClock()
        let first = try await Self.open(directory, clock: clock)
        try await SampleWorkload.run(on: first.engine, clock: clock)
        let before = await Self.states(first.engine)
        first.close()
        let second = try await Self.open(directory, clock: clock)
        #expect(second.report.snapshotPath == nil)
        let after = await Self.states(second.engine)
        #expect(after.0 == before.0 && after.1 == before.1)
        second.close()
    }

    @Test func aDamagedNewestSnapshotFallsBackToTheOneBeforeAndSaysSo() async throws {
        let directory = TemporaryDirectory()
        let clock = ManualClock()
        let first = try await Self.open(directory, clock: clock)
        try await SampleWorkload.run(on: first.engine, clock: clock)
        let older = try await first.snapshot()
        try await SampleWorkload.run(on: first.engine, clock: clock)
        let newer = try await first.snapshot()
        try await SampleWorkload.run(on: first.engine, clock: clock)
        let before = await Self.states(first.engine)
        first.close()

        let middle = newer.bytes / 2
        let original = try PosixFileSystem().read(newer.path)[middle..<(middle + 2)]
        let file = try PosixFileSystem().open(newer.path, create: false)
        try file.write(original.map { $0 ^ 0xFF }, at: Int64(middle))
        file.close()

        let second = try await Self.open(directory, clock: clock)
        #expect(second.report.snapshotPosition == older.position)
        #expect(second.report.skippedSnapshots.count == 1)
        #expect(second.report.description.contains("skipped snapshot"))
        let after = await Self.states(second.engine)
        #expect(after.0 == before.0 && after.1 == before.1)
        second.close()
    }

    @Test func everyFlippedByteOfASnapshotIsCaught() async throws {
        let directory = TemporaryDirectory()
        let clock = ManualClock()
        let engine = try await Self.open(directory, clock: clock)
        try await SampleWorkload.run(on: engine.engine, clock: clock)
        let written = try await engine.snapshot()
        engine.close()
        let bytes = try PosixFileSystem().read(written.path)
        let store = SnapshotStore(directory: directory.path + "/snapshots")
        _ = try store.load(written.path)
        for offset in stride(from: 0, to: bytes.count, by: 3) {
            var damaged = bytes
            damaged[offset] ^= 0x21
            let file = try PosixFileSystem().open(written.path, create: false)
            try file.write(damaged, at: 0)
            file.close()
            #expect(throws: LogError.self, "a flip at \(offset) went unnoticed") { try store.load(written.path) }
        }
    }

    @Test func aRestartAfterASnapshotReadsOnlyTheSegmentsItLacks() async throws {
        let directory = TemporaryDirectory()
        let clock = ManualClock()
        let first = try await Self.open(directory, clock: clock, segmentSize: 4096)
        for _ in 0..<3 { try await SampleWorkload.run(on: first.engine, clock: clock) }
        try await first.snapshot()
        try await SampleWorkload.run(on: first.engine, clock: clock)
        let before = await Self.states(first.engine)
        first.close()
        // Damage the oldest segment, which the snapshot covers: a restart that read it would
        // refuse to start; one that skips it starts and matches.
        let names = try PosixFileSystem().list(directory.path + "/log").filter(LogRecovery.isSegmentName).sorted()
        #expect(names.count > 3)
        let oldest = directory.path + "/log/" + names[0]
        var bytes = try PosixFileSystem().read(oldest)
        for offset in stride(from: 40, to: min(bytes.count, 2000), by: 50) { bytes[offset] ^= 0xFF }
        try PosixFileSystem().writeFile(oldest, bytes)

        let second = try await Self.open(directory, clock: clock, segmentSize: 4096)
        let after = await Self.states(second.engine)
        #expect(after.0 == before.0 && after.1 == before.1)
        #expect(second.report.records > 0)
        second.close()
    }

    @Test func segmentsThatBothKeptSnapshotsCoverAreRemovedAndRestartStillMatches() async throws {
        let directory = TemporaryDirectory()
        let clock = ManualClock()
        let first = try await Self.open(directory, clock: clock, segmentSize: 4096)
        for _ in 0..<3 { try await SampleWorkload.run(on: first.engine, clock: clock) }
        let segmentsBefore = try PosixFileSystem().list(directory.path + "/log").filter(LogRecovery.isSegmentName).count
        try await first.snapshot()
        // One snapshot alone removes nothing: were it damaged, the log would be all there is.
        #expect(try PosixFileSystem().list(directory.path + "/log").filter(LogRecovery.isSegmentName).count >= segmentsBefore)
        try await SampleWorkload.run(on: first.engine, clock: clock)
        try await first.snapshot()
        let segmentsAfter = try PosixFileSystem().list(directory.path + "/log").filter(LogRecovery.isSegmentName).count
        #expect(segmentsBefore > 3)
        #expect(segmentsAfter < segmentsBefore)
        #expect(SnapshotStore(directory: directory.path + "/snapshots").list().count == 2)
        try await SampleWorkload.run(on: first.engine, clock: clock)
        let before = await Self.states(first.engine)
        first.close()
        let second = try await Self.open(directory, clock: clock, segmentSize: 4096)
        let after = await Self.states(second.engine)
        #expect(after.0 == before.0 && after.1 == before.1)
        second.close()
    }

    @Test func compactionKeepsEverySegmentAFollowerHasNotConsumedAndFollowersReadTheSameRecordsFromMemoryOrSegments() async throws {
        let directory = TemporaryDirectory()
        let clock = ManualClock()
        let first = try await Self.open(directory, clock: clock, segmentSize: 4096)
        let source = try #require(first.engine.durableRecords)
        source.follower("outbox", consumedThrough: 0)
        for _ in 0..<3 { try await SampleWorkload.run(on: first.engine, clock: clock) }
        let segments = { try PosixFileSystem().list(directory.path + "/log").filter(LogRecovery.isSegmentName) }
        let before = try segments()
        try await first.snapshot()
        try await SampleWorkload.run(on: first.engine, clock: clock)
        try await first.snapshot()
        #expect(try segments().first == before.first, "the follower has consumed nothing, so nothing goes")

        // What a follower reads is the log, whether it comes from memory or from the segments.
        let fromMemory = try source.durableRecords(after: 0, limit: 100_000)
        #expect(fromMemory.map(\.position) == Array(1...source.durablePosition))
        first.close()
        let second = try await Self.open(directory, clock: clock, segmentSize: 4096)
        let reopened = try #require(second.engine.durableRecords)
        #expect(try reopened.durableRecords(after: 0, limit: 100_000) == fromMemory, "after a restart they come from the segments")
        #expect(try reopened.durableRecords(after: 10, limit: 5).map(\.position) == [11, 12, 13, 14, 15])
        // Read as a lagging follower reads, a few at a time from wherever the last call ended,
        // the segments give every record once, in order, across every segment boundary.
        #expect(try segments().count > 3)
        for limit in [1, 3, 7, 64] {
            var followed = [DurableRecord]()
            while true {
                let next = try reopened.durableRecords(after: followed.last?.position ?? 0, limit: limit)
                if next.isEmpty { break }
                #expect(next.count <= limit)
                followed += next
            }
            #expect(followed == fromMemory, "reading \(limit) at a time")
        }
        // It keeps at most two segments in memory, and lets them go once unused for a while.
        let reader = try #require(reopened as? FileLog).segmentReader
        #expect((1...FollowerSegmentReader.keptSegments).contains(reader.heldSegments))
        reader.dropIdle(now: WriteAheadLog.monotonicMilliseconds() + FollowerSegmentReader.idleMilliseconds)
        #expect(reader.heldSegments == 0)

        // A follower of one org reads just its records, from memory or segments alike, and
        // learns how far it has examined the log.
        let orgID = try #require(fromMemory.lazy.compactMap(\.record.orgID).first)
        let ofOrg = fromMemory.filter { $0.record.orgID == orgID }
        for found in [
            try source.durableRecords(of: orgID, after: 0, limit: 100_000), try reopened.durableRecords(of: orgID, after: 0, limit: 100_000),
        ] {
            #expect(found.records == ofOrg)
            #expect(found.examinedThrough == source.durablePosition)
        }
        let firstTwo = try reopened.durableRecords(of: orgID, after: 0, limit: 2)
        #expect(firstTwo.records == Array(ofOrg.prefix(2)) && firstTwo.examinedThrough == ofOrg[1].position)

        reopened.follower("outbox", consumedThrough: reopened.durablePosition)
        try await SampleWorkload.run(on: second.engine, clock: clock)
        try await second.snapshot()
        #expect(try segments().count < before.count, "once consumed, covered segments go")
        second.close()
    }

    @Test func aSnapshotTakenWhileOrgsKeepChangingStillRestartsExactly() async throws {
        let directory = TemporaryDirectory()
        let clock = ManualClock()
        let first = try await Self.open(directory, clock: clock)
        let orgs = try await (0..<4).asyncMap { index in try await first.engine.createOrganisation(name: "Org \(index)", by: .platformAdmin) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for orgID in orgs {
                group.addTask {
                    for index in 0..<150 {
                        _ = try await first.engine.createTenant(org: orgID, name: "Tenant \(index)", by: .platformAdmin)
                    }
                }
            }
            group.addTask {
                for _ in 0..<5 { try await first.snapshot() }
            }
            try await group.waitForAll()
        }
        let before = await Self.states(first.engine)
        first.close()
        let second = try await Self.open(directory, clock: clock)
        let after = await Self.states(second.engine)
        #expect(after.0 == before.0 && after.1 == before.1)
        #expect(after.0.map(\.tenants.count) == [150, 150, 150, 150])
        second.close()
    }
}

extension DurableEngineTests {
    @Test func theBackendReadsBackTheDurableRecordsAfterAPosition() async throws {
        let directory = TemporaryDirectory()
        let clock = ManualClock()
        let durable = try await Self.open(directory, clock: clock)
        try await SampleWorkload.run(on: durable.engine, clock: clock)
        let last = durable.log.durablePosition
        let records = try durable.log.records(after: 10)
        #expect(records.map(\.position) == Array(11...last))
        #expect(try durable.log.records(after: last).isEmpty)
        durable.close()
    }

    @Test func aSnapshotFallsDueAfterTheConfiguredNumberOfRecords() async throws {
        let directory = TemporaryDirectory()
        var options = StoreOptions(dataDirectory: directory.path)
        options.snapshotEveryRecords = 5
        let durable = try await DurableEngine.open(
            options,
            secret: Array(repeating: 42, count: 32),
            clock: ManualClock(),
            hasher: PasswordHasher(rounds: 1_000)
        )
        let orgID = try await durable.engine.createOrganisation(name: "Org", by: .platformAdmin)
        for index in 0..<3 { _ = try await durable.engine.createTenant(org: orgID, name: "T\(index)", by: .platformAdmin) }
        #expect(!durable.snapshotDue)
        _ = try await durable.engine.createTenant(org: orgID, name: "T3", by: .platformAdmin)
        #expect(durable.snapshotDue)
        try await durable.snapshot()
        #expect(!durable.snapshotDue)
        durable.close()
        let reopened = try await DurableEngine.open(
            options,
            secret: Array(repeating: 42, count: 32),
            clock: ManualClock(),
            hasher: PasswordHasher(rounds: 1_000)
        )
        #expect(reopened.report.snapshotPosition == 5 && reopened.report.records == 0)
        await #expect(throws: LogError.self, "a second process opened the same data folder") {
            try await DurableEngine.open(options, secret: Array(repeating: 42, count: 32))
        }
        reopened.close()
    }
}

extension Sequence {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var results = [T]()
        for element in self { results.append(try await transform(element)) }
        return results
    }
}
