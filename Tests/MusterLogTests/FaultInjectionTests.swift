import Dispatch
import MusterDomain
import MusterEngine
import MusterStorage
import MusterTestSupport
import Synchronization
import Testing

@testable import MusterLog

#if canImport(Glibc)
import Glibc
#endif

/// How many answers have come back.
private final class AnswerCount: Sendable {
    let count = Atomic<Int>(0)
}

@Suite struct FaultInjectionTests {
    static func record(_ index: Int) -> LogRecord {
        .directory([
            DirectoryEventRecord(
                sequence: UInt64(index),
                at: Timestamp(millisecondsSinceEpoch: 0),
                actor: .system,
                event: .signInLinkUsed(id: .random())
            )
        ])
    }

    @Test func nothingWrittenWhileASyncIsHeldIsRevealedToAWriterOrAReaderUntilItIsDurable() async throws {
        let directory = TemporaryDirectory()
        let fileSystem = FaultyFileSystem()
        let log = try WriteAheadLog(
            configuration: LogConfiguration(directory: directory.path),
            fileSystem: fileSystem,
            tail: .empty,
            fatal: FatalRecorder().handler
        )
        let engine = engine(on: log, clock: ManualClock())
        let fenced = try await engine.createOrganisation(name: "Fenced", by: .platformAdmin)
        let untouched = try await engine.createOrganisation(name: "Untouched", by: .platformAdmin)

        fileSystem.holdSyncs.store(true, ordering: .sequentiallyConsistent)
        let done = AnswerCount()
        let write = Task {
            defer { done.count.add(1, ordering: .sequentiallyConsistent) }
            return try await engine.createTenant(org: fenced, name: "Not yet durable", by: .platformAdmin).id
        }
        while fileSystem.heldSyncs.load(ordering: .sequentiallyConsistent) == 0 { try await Task.sleep(for: .milliseconds(5)) }
        // The tenant is applied in memory and its record written, but not synced.
        let read = Task {
            defer { done.count.add(1, ordering: .sequentiallyConsistent) }
            return try await engine.tenants(org: fenced, by: .platformAdmin).items.map(\.id)
        }
        let feed = Task {
            defer { done.count.add(1, ordering: .sequentiallyConsistent) }
            return try await engine.events(org: fenced, after: 0, by: .platformAdmin).events.count
        }
        // An org whose state holds nothing undurable answers at once.
        #expect(try await engine.tenants(org: untouched, by: .platformAdmin).items.isEmpty)
        try await Task.sleep(for: .milliseconds(300))
        #expect(done.count.load(ordering: .sequentiallyConsistent) == 0, "an answer revealed a change that was not durable")

        fileSystem.releaseSyncs()
        let tenant = try await write.value
        #expect(try await read.value == [tenant])
        #expect(try await feed.value == 2)
        log.close()
    }

    @Test func anAssignmentEndedWhileItsSyncIsHeldStillShowsInTheCaseloadUntilTheEndIsDurable() async throws {
        let directory = TemporaryDirectory()
        let fileSystem = FaultyFileSystem()
        let log = try WriteAheadLog(
            configuration: LogConfiguration(directory: directory.path),
            fileSystem: fileSystem,
            tail: .empty,
            fatal: FatalRecorder().handler
        )
        let engine = engine(on: log, clock: ManualClock())
        let orgID = try await engine.createOrganisation(name: "Fenced", by: .platformAdmin)
        let tenant = try await engine.createTenant(org: orgID, name: "Robin", by: .platformAdmin)
        let issued = try await engine.inviteCollaborator(
            org: orgID,
            tenant: tenant.id,
            mode: .full,
            invitee: .person(email: try EmailAddress("sam@support.example"), fullName: "Sam"),
            by: .platformAdmin
        )
        let workerID = try await engine.verifyLink(token: issued.token!).user.id
        #expect(try await engine.caseload(of: workerID).map(\.tenantID) == [tenant.id])

        fileSystem.holdSyncs.store(true, ordering: .sequentiallyConsistent)
        let done = AnswerCount()
        let end = Task {
            defer { done.count.add(1, ordering: .sequentiallyConsistent) }
            _ = try await engine.endCollaborator(org: orgID, id: issued.collaborator.id, by: .platformAdmin)
        }
        while fileSystem.heldSyncs.load(ordering: .sequentiallyConsistent) == 0 { try await Task.sleep(for: .milliseconds(5)) }
        // The end is merged into the person index, but its record is not synced.
        let caseload = Task {
            defer { done.count.add(1, ordering: .sequentiallyConsistent) }
            return try await engine.caseload(of: workerID)
        }
        try await Task.sleep(for: .milliseconds(300))
        #expect(done.count.load(ordering: .sequentiallyConsistent) == 0, "the caseload showed an end that was not durable")

        fileSystem.releaseSyncs()
        try await end.value
        #expect(try await caseload.value.isEmpty, "once durable, the end shows")
        log.close()
    }

    @Test func aSignOutHeldBeforeItsSyncIsNotRevealedByAuthenticationThroughTheDirectoryView() async throws {
        let directory = TemporaryDirectory()
        let fileSystem = FaultyFileSystem()
        let log = try WriteAheadLog(
            configuration: LogConfiguration(directory: directory.path),
            fileSystem: fileSystem,
            tail: .empty,
            fatal: FatalRecorder().handler
        )
        let engine = engine(on: log, clock: ManualClock())
        let org = try await engine.createOrganisation(name: "Views", by: .platformAdmin)
        let issued = try await engine.invite(org: org, email: try EmailAddress("view@example.org"), role: .viewer, method: .email, by: .platformAdmin)
        let token = try await engine.acceptInvitation(token: issued.token).sessionToken
        #expect(try await engine.identify(bearer: token).principal != .platformAdmin)

        fileSystem.holdSyncs.store(true, ordering: .sequentiallyConsistent)
        let done = AnswerCount()
        let signOut = Task {
            defer { done.count.add(1, ordering: .sequentiallyConsistent) }
            try await engine.logout(sessionToken: token)
        }
        while fileSystem.heldSyncs.load(ordering: .sequentiallyConsistent) == 0 { try await Task.sleep(for: .milliseconds(5)) }
        let check = Task {
            defer { done.count.add(1, ordering: .sequentiallyConsistent) }
            return try await engine.identify(bearer: token)
        }
        try await Task.sleep(for: .milliseconds(300))
        #expect(done.count.load(ordering: .sequentiallyConsistent) == 0, "the sign-out showed before it was durable")
        fileSystem.releaseSyncs()
        try await signOut.value
        await #expect(throws: DomainError.self, "the ended session fails on the very next request") { try await check.value }
        log.close()
    }

    @Test func aFailedSyncStopsTheLogAcknowledgesNothingAfterItAndCallsTheFatalHandler() async throws {
        let directory = TemporaryDirectory()
        let fileSystem = FaultyFileSystem()
        let fatal = FatalRecorder()
        let log = try WriteAheadLog(
            configuration: LogConfiguration(directory: directory.path),
            fileSystem: fileSystem,
            tail: .empty,
            fatal: fatal.handler
        )
        let good = try log.append(Self.record(1))
        try await log.waitUntilDurable(good)

        fileSystem.failSync.store(true, ordering: .relaxed)
        let doomed = try log.append(Self.record(2))
        await #expect(throws: LogError.self) { try await log.waitUntilDurable(doomed) }
        #expect(log.durablePosition == good)
        // The writer fails the waiters first and calls the handler after, on its own thread:
        // wait for it (bounded) rather than race it.
        for _ in 0..<500 where fatal.all.isEmpty { try await Task.sleep(for: .milliseconds(10)) }
        #expect(fatal.all.count == 1)
        #expect(fatal.all.first?.contains("fdatasync") == true)
        #expect(throws: LogError.self, "a failed log accepted a new record") { try log.append(Self.record(3)) }

        // Even when the disk recovers, the stopped log does not retry.
        fileSystem.failSync.store(false, ordering: .relaxed)
        #expect(throws: LogError.self) { try log.append(Self.record(4)) }
        log.close()
    }

    @Test func aFullDiskRefusesNewChangesWhileReadsGoOnAndLeavesNoHalfRecord() async throws {
        let directory = TemporaryDirectory()
        let fileSystem = FaultyFileSystem()
        var configuration = LogConfiguration(directory: directory.path)
        configuration.segmentSize = 4096
        let fatal = FatalRecorder()
        let log = try WriteAheadLog(configuration: configuration, fileSystem: fileSystem, tail: .empty, fatal: fatal.handler)
        let clock = ManualClock()
        let engine = engine(on: log, clock: clock)
        let orgID = try await engine.createOrganisation(name: "Riverside", by: .platformAdmin)

        fileSystem.diskFull.store(true, ordering: .relaxed)
        // Fill the segment past half, so the writer needs (and fails to get) a spare.
        var accepted = 0
        var refused: (any Error)?
        for index in 0..<200 {
            do {
                _ = try await engine.createTenant(org: orgID, name: "Tenant \(index) with a long enough name to fill", by: .platformAdmin)
                accepted += 1
            } catch {
                refused = error
                break
            }
        }
        #expect(refused as? LogError == .diskFull, "got \(String(describing: refused))")
        #expect(log.isDiskFull)
        #expect(fatal.all.isEmpty, "a full disk is not fatal")
        // Reads keep working and show exactly the accepted changes.
        #expect(try await engine.tenants(org: orgID, by: .platformAdmin).items.count == accepted)

        fileSystem.diskFull.store(false, ordering: .relaxed)
        try await Task.sleep(for: .milliseconds(1100))
        // The writer retries the spare after the next write; appends flow again once it has one.
        var recovered = false
        for _ in 0..<50 where !recovered {
            do {
                _ = try await engine.createTenant(org: orgID, name: "After", by: .platformAdmin)
                recovered = true
            } catch {
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        #expect(recovered)
        log.close()
        let scan = try LogRecovery.scan(configuration)
        #expect(scan.truncations.isEmpty, "no half record was left behind")
        #expect(scan.records.count == 1 + accepted + 1)
    }
}
