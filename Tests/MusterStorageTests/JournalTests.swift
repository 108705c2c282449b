import Foundation
import MusterTestSupport
import Synchronization
import Testing

@testable import MusterStorage

#if canImport(Glibc)
import Glibc
#endif

/// How many appends have returned.
private final class Answered: Sendable {
    let count = Atomic<Int>(0)
}

@Suite("Journals share the log's group commit")
struct JournalTests {
    @Test("Appends made while a sync is held answer only once their own sync is done, and all read back after a reopen")
    func appendsDuringASyncJoinTheNextBatchAndSurvive() async throws {
        let directory = TemporaryDirectory()
        let fileSystem = FaultyFileSystem()
        let path = directory.path + "/test.journal"
        let (journal, empty) = try Journal.open(path: path, fileSystem: fileSystem)
        #expect(empty.isEmpty)
        try await journal.append([1])

        fileSystem.holdSyncs.store(true, ordering: .sequentiallyConsistent)
        let answered = Answered()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await journal.append([2])
                answered.count.add(1, ordering: .sequentiallyConsistent)
            }
            // The first append's sync is held; these queue behind it.
            while fileSystem.heldSyncs.load(ordering: .sequentiallyConsistent) < 1 { try await Task.sleep(for: .milliseconds(1)) }
            for value in UInt8(3)...20 {
                group.addTask {
                    try await journal.append([value])
                    answered.count.add(1, ordering: .sequentiallyConsistent)
                }
            }
            try await Task.sleep(for: .milliseconds(50))
            #expect(answered.count.load(ordering: .sequentiallyConsistent) == 0, "nothing answers before its sync")
            fileSystem.releaseSyncs()
            try await group.waitForAll()
        }
        journal.close()
        let (_, entries) = try Journal.open(path: path, fileSystem: fileSystem)
        #expect(Set(entries) == Set((UInt8(1)...20).map { [$0] }))
    }

    @Test("A failed sync fails that append and every later one, and leaves no entry half written")
    func aFailedSyncStopsTheJournal() async throws {
        let directory = TemporaryDirectory()
        let fileSystem = FaultyFileSystem()
        let path = directory.path + "/test.journal"
        let (journal, _) = try Journal.open(path: path, fileSystem: fileSystem)
        try await journal.append([1, 1])
        fileSystem.failSync.store(true, ordering: .relaxed)
        await #expect(throws: LogError.self) { try await journal.append([2, 2]) }
        fileSystem.failSync.store(false, ordering: .relaxed)
        await #expect(throws: LogError.self, "a journal that failed stays failed") { try await journal.append([3, 3]) }
        let (_, entries) = try Journal.open(path: path, fileSystem: PosixFileSystem())
        #expect(entries.first == [1, 1] && !entries.contains([3, 3]))
    }
}
