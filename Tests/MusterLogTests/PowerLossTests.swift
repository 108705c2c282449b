import MusterDomain
import MusterEngine
import MusterSecurity
import MusterStorage
import MusterTestSupport
import Synchronization
import Testing

@testable import MusterLog

/// What a power cut leaves — every write not yet synced dropped, file data and directory
/// entries alike (``PowerCutFileSystem``) — never loses an acknowledged change, and never
/// leaves a folder the next start refuses. The kill -9 tests cannot show this: the page cache
/// outlives a killed process.
@Suite struct PowerLossTests {
    /// The acknowledged tenants, by name.
    private final class Acknowledged: Sendable {
        let names = Mutex<Set<String>>([])
    }

    private static func open(_ fileSystem: PowerCutFileSystem, segmentSize: Int64 = 64 << 10) async throws -> DurableEngine {
        var options = StoreOptions(dataDirectory: fileSystem.root)
        options.fileSystem = fileSystem
        options.segmentSize = segmentSize
        return try await DurableEngine.open(
            options,
            secret: Array(repeating: 42, count: 32),
            clock: ManualClock(),
            hasher: PasswordHasher(rounds: 1_000),
            fatal: { _ in }
        )
    }

    /// The names of every tenant of every org after a start on what the disk holds.
    private static func tenantsAfterRestart(_ fileSystem: PowerCutFileSystem) async throws -> (names: Set<String>, engine: DurableEngine) {
        fileSystem.powerOn()
        let durable = try await open(fileSystem)
        var names = Set<String>()
        for org in try await durable.engine.organisations(by: .platformAdmin).items {
            names.formUnion(try await durable.engine.tenants(org: org.id, limit: 1000, by: .platformAdmin).items.map(\.name))
        }
        return (names, durable)
    }

    @Test(arguments: 0..<12)
    func noAcknowledgedChangeIsLostWhenThePowerGoesAtARandomMomentUnderConcurrentWritesAndSnapshots(seed: Int) async throws {
        let directory = TemporaryDirectory()
        let fileSystem = PowerCutFileSystem(root: directory.path)
        let durable = try await Self.open(fileSystem)
        let org = try await durable.engine.createOrganisation(name: "Power \(seed)", by: .platformAdmin)
        let acknowledged = Acknowledged()
        // Rotations (64 KiB segments), snapshots and group commits all in flight when it goes.
        fileSystem.cutAfter(operations: Int.random(in: 20...400))
        await withTaskGroup(of: Void.self) { group in
            for writer in 0..<8 {
                group.addTask {
                    for index in 0..<400 {
                        let name = "w\(writer)-\(index)-" + String(repeating: "x", count: 150)
                        guard (try? await durable.engine.createTenant(org: org, name: name, by: .platformAdmin)) != nil else { return }
                        acknowledged.names.withLock { _ = $0.insert(name) }
                    }
                }
            }
            group.addTask {
                while !fileSystem.isPoweredOff {
                    _ = try? await durable.snapshot()
                    try? await Task.sleep(for: .milliseconds(5))
                }
            }
        }
        fileSystem.cut()
        durable.close()

        let (names, restarted) = try await Self.tenantsAfterRestart(fileSystem)
        defer { restarted.close() }
        let lost = acknowledged.names.withLock { $0 }.subtracting(names)
        #expect(lost.isEmpty, "acknowledged and lost: \(lost.count)")
        #expect(!acknowledged.names.withLock { $0 }.isEmpty, "writes were acknowledged before the cut")
        #expect(fileSystem.cutCount == 1, "the power went at the crash point, under load")
        // The log goes on after the cut.
        let later = try await restarted.engine.createTenant(org: org, name: "after", by: .platformAdmin)
        #expect(later.name == "after")
    }

    @Test func aTornLastFrameIsCutAndTheStartGoesOnWithEveryAcknowledgedChange() async throws {
        var torn = 0
        for seed in 0..<24 {
            let directory = TemporaryDirectory()
            let fileSystem = PowerCutFileSystem(root: directory.path)
            let durable = try await Self.open(fileSystem)
            let org = try await durable.engine.createOrganisation(name: "Torn", by: .platformAdmin)
            let acknowledged = Acknowledged()
            // The cut keeps a random part of every unsynced write: a frame the disk had begun.
            var generator = SeededGenerator(seed: UInt64(seed))
            fileSystem.cutAfter(operations: Int.random(in: 10...200, using: &generator), tearing: UInt64(seed))
            await withTaskGroup(of: Void.self) { group in
                for writer in 0..<4 {
                    group.addTask {
                        for index in 0..<300 {
                            let name = "t\(writer)-\(index)"
                            guard (try? await durable.engine.createTenant(org: org, name: name, by: .platformAdmin)) != nil else { return }
                            acknowledged.names.withLock { _ = $0.insert(name) }
                        }
                    }
                }
            }
            durable.close()
            let (names, restarted) = try await Self.tenantsAfterRestart(fileSystem)
            if !restarted.report.truncations.isEmpty { torn += 1 }
            restarted.close()
            let lost = acknowledged.names.withLock { $0 }.subtracting(names)
            #expect(lost.isEmpty, "seed \(seed): acknowledged and lost: \(lost.count)")
        }
        #expect(torn > 0, "some cuts left a torn frame for the start to cut")
    }

    /// Runs `steps` with the power cut after each possible number of operations in turn,
    /// until it runs to its end without a cut; after each cut the folder must start again and
    /// hold every change acknowledged before it.
    private static func everyCrashPoint(
        _ steps: (DurableEngine, OrganisationID, (String) -> Void) async throws -> Void
    ) async throws -> Int {
        var point = 0
        while true {
            let directory = TemporaryDirectory()
            let fileSystem = PowerCutFileSystem(root: directory.path)
            let durable = try await open(fileSystem, segmentSize: 4096)
            let org = try await durable.engine.createOrganisation(name: "Points", by: .platformAdmin)
            for index in 0..<20 { _ = try await durable.engine.createTenant(org: org, name: "before-\(index)", by: .platformAdmin) }
            var acknowledged = Set((0..<20).map { "before-\($0)" })
            fileSystem.cutAfter(operations: point)
            do {
                try await steps(durable, org) { acknowledged.insert($0) }
            } catch  where fileSystem.cutCount == 0 {
                Issue.record("the steps failed with the power on: \(error)")
                return point
            } catch {}
            let finished = fileSystem.cutCount == 0
            fileSystem.cut()
            durable.close()
            let (names, restarted) = try await tenantsAfterRestart(fileSystem)
            restarted.close()
            #expect(acknowledged.isSubset(of: names), "power cut after operation \(point): lost \(acknowledged.subtracting(names))")
            if finished { return point }
            point += 1
        }
    }

    @Test func aSnapshotCutAtAnyOperationLeavesAFolderThatStartsWithEveryAcknowledgedChange() async throws {
        let points = try await Self.everyCrashPoint { durable, org, acknowledge in
            try await durable.snapshot()
            let name = "after-snapshot"
            _ = try await durable.engine.createTenant(org: org, name: name, by: .platformAdmin)
            acknowledge(name)
        }
        #expect(points > 5, "the snapshot's writes, renames and syncs were each a crash point")
    }

    @Test func aSegmentRotationCutAtAnyOperationLeavesAFolderThatStartsWithEveryAcknowledgedChange() async throws {
        let points = try await Self.everyCrashPoint { durable, org, acknowledge in
            // 4 KiB segments: these rotate several times.
            for index in 0..<12 {
                let name = "rotating-\(index)-" + String(repeating: "y", count: 180)
                _ = try await durable.engine.createTenant(org: org, name: name, by: .platformAdmin)
                acknowledge(name)
            }
        }
        #expect(points > 12)
    }

    /// A journal's history: what an acknowledged operation left, and what the one in flight
    /// would leave.
    private struct JournalHistory {
        var acknowledged: [[UInt8]] = []
        var inFlight: [[UInt8]]?
    }

    @Test func aJournalCutAtAnyOperationHoldsWhatWasAcknowledgedOrWhatWasInFlight() async throws {
        var point = 0
        while true {
            let directory = TemporaryDirectory()
            let fileSystem = PowerCutFileSystem(root: directory.path)
            let path = directory.path + "/cursor"
            fileSystem.cutAfter(operations: point)
            var history = JournalHistory()
            do {
                let (journal, _) = try Journal.open(path: path, fileSystem: fileSystem)
                for step in 0..<6 {
                    if step == 3 {
                        history.inFlight = [[9, 9]]
                        try journal.rewrite([[9, 9]])
                    } else {
                        history.inFlight = history.acknowledged + [[UInt8(step)]]
                        try await journal.append([UInt8(step)])
                    }
                    history.acknowledged = history.inFlight!
                    history.inFlight = nil
                }
                journal.close()
            } catch {}
            let finished = fileSystem.cutCount == 0
            fileSystem.cut()
            fileSystem.powerOn()
            let (reopened, entries) = try Journal.open(path: path, fileSystem: fileSystem)
            reopened.close()
            #expect(
                entries == history.acknowledged || entries == history.inFlight,
                "power cut after operation \(point): \(entries) is neither \(history.acknowledged) nor \(history.inFlight ?? [])"
            )
            if finished { break }
            point += 1
        }
        #expect(point > 10)
    }

    @Test func thePowerCutFileSystemDropsUnsyncedDataAndEntriesButKeepsSyncedOnes() throws {
        let directory = TemporaryDirectory()
        let fileSystem = PowerCutFileSystem(root: directory.path)
        let root = directory.path
        try fileSystem.createDirectory(root + "/kept")
        let synced = try fileSystem.open(root + "/kept/synced", create: true)
        try synced.write([1, 2, 3], at: 0)
        try synced.sync()
        try synced.write([4], at: 3)
        try fileSystem.syncDirectory(root + "/kept")
        let unsyncedEntry = try fileSystem.open(root + "/kept/unlisted", create: true)
        try unsyncedEntry.write([7], at: 0)
        try unsyncedEntry.sync()
        try fileSystem.rename(root + "/kept/synced", to: root + "/kept/renamed")
        fileSystem.cut()

        #expect(throws: FileSystemError.self) { try synced.write([5], at: 0) }
        fileSystem.powerOn()
        #expect(throws: FileSystemError.self) { try synced.write([5], at: 0) }  // a handle from before the cut stays dead
        #expect(try fileSystem.list(root + "/kept") == ["synced"], "the unsynced new entry and rename are gone")
        #expect(try fileSystem.read(root + "/kept/synced") == [1, 2, 3], "the unsynced write is gone")
    }
}
