import MusterDomain
import MusterEngine
import MusterStorage
import MusterTestSupport
import Testing

@testable import MusterLog

@Suite struct WriteAheadLogTests {
    @Test func recoveryHandsTheRecordsOnOneSegmentAtATimeInOrderNeverTheWholeLogAtOnce() async throws {
        let directory = TemporaryDirectory()
        let records = try await writeFrames(300, in: directory.path, segmentSize: 4096)
        let segments = try PosixFileSystem().list(directory.path).filter(LogRecovery.isSegmentName).count
        #expect(segments > 3)
        var sizes = [Int]()
        var positions = [LogPosition]()
        let scan = try LogRecovery.stream(LogConfiguration(directory: directory.path), after: 40, repair: false) { frames throws(LogError) in
            sizes.append(frames.joined().count)
            positions += frames.joined().map(\.position)
        }
        #expect(positions == Array(41...300), "every record after the position, once, in order")
        #expect(sizes.count >= segments - 1, "a batch per segment read")
        #expect(sizes.max()! < records.count / 2, "no batch holds most of the log")
        #expect(scan.records.isEmpty && scan.tail.lastPosition == 300)
    }

    @Test func recoveryDecodesALargeSegmentAFewFramesAtATimeSoItsRecordsAreNeverAllHeld() async throws {
        let directory = TemporaryDirectory()
        _ = try await writeFrames(300, in: directory.path)
        #expect(try PosixFileSystem().list(directory.path).filter(LogRecovery.isSegmentName).count == 1)
        var sizes = [Int]()
        var positions = [LogPosition]()
        let scan = try LogRecovery.stream(LogConfiguration(directory: directory.path), after: 40, repair: false, framesPerBatch: 16) {
            frames throws(LogError) in
            sizes.append(frames.joined().count)
            positions += frames.joined().map(\.position)
        }
        #expect(positions == Array(41...300), "every record after the position, once, in order")
        #expect(sizes.allSatisfy { $0 <= 16 }, "no batch holds more than its frames' records")
        #expect(sizes.count >= 260 / 16)
        #expect(scan.tail.lastPosition == 300)
    }

    @Test func everyEventOfAWorkloadReadsBackExactlyAsAppended() async throws {
        let directory = TemporaryDirectory()
        let configuration = LogConfiguration(directory: directory.path + "/log")
        let tee = TeeSink(try WriteAheadLog(configuration: configuration, tail: .empty))
        let clock = ManualClock()
        try await SampleWorkload.run(on: engine(on: tee, clock: clock), clock: clock)
        tee.log.close()
        let scan = try LogRecovery.scan(configuration)
        #expect(scan.records.map(\.record) == tee.memory.records)
        #expect(scan.records.map(\.position) == Array(1...LogPosition(tee.memory.records.count)))
        #expect(scan.truncations.isEmpty)
        #expect(scan.tail.lastPosition == LogPosition(tee.memory.records.count))
    }

    @Test func concurrentAppendsAreGroupedIntoFewerSyncedFramesAndAllAcknowledged() async throws {
        let directory = TemporaryDirectory()
        let configuration = LogConfiguration(directory: directory.path)
        let log = try WriteAheadLog(configuration: configuration, tail: .empty)
        let orgID = OrganisationID.random()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for task in 0..<8 {
                group.addTask {
                    for index in 0..<250 {
                        let position = try log.append(
                            .org(
                                orgID,
                                [
                                    OrgEventRecord(
                                        sequence: UInt64(task * 1000 + index),
                                        at: Timestamp(millisecondsSinceEpoch: 0),
                                        actor: .system,
                                        event: .invitationExpired(id: .random())
                                    )
                                ]
                            )
                        )
                        try await log.waitUntilDurable(position)
                        #expect(log.durablePosition >= position)
                    }
                }
            }
            try await group.waitForAll()
        }
        log.close()
        let scan = try LogRecovery.scan(configuration)
        #expect(scan.records.count == 2000)
        #expect(scan.frames < 2000, "group commit put several records in one frame")
    }

    @Test func theEveryRecordPolicySyncsEachRecordInItsOwnFrame() async throws {
        let directory = TemporaryDirectory()
        var configuration = LogConfiguration(directory: directory.path)
        configuration.fsyncPolicy = .everyRecord
        let log = try WriteAheadLog(configuration: configuration, tail: .empty)
        let positions = try (0..<20).map { _ in
            try log.append(
                .directory([
                    DirectoryEventRecord(
                        sequence: 1,
                        at: Timestamp(millisecondsSinceEpoch: 0),
                        actor: .system,
                        event: .userSessionsEnded(userID: .random())
                    )
                ])
            )
        }
        try await log.waitUntilDurable(positions.last!)
        log.close()
        let scan = try LogRecovery.scan(configuration)
        #expect(scan.frames == 20 && scan.records.count == 20)
    }

    @Test(arguments: [FsyncPolicy.interval(milliseconds: 5), .none])
    func policiesThatAcknowledgeBeforeSyncingStillWriteEverything(policy: FsyncPolicy) async throws {
        let directory = TemporaryDirectory()
        var configuration = LogConfiguration(directory: directory.path)
        configuration.fsyncPolicy = policy
        let log = try WriteAheadLog(configuration: configuration, tail: .empty)
        for _ in 0..<50 {
            let position = try log.append(
                .directory([
                    DirectoryEventRecord(sequence: 1, at: Timestamp(millisecondsSinceEpoch: 0), actor: .system, event: .signInLinkUsed(id: .random()))
                ])
            )
            try await log.waitUntilDurable(position)
        }
        log.close()
        #expect(try LogRecovery.scan(configuration).records.count == 50)
    }

    @Test func segmentsRotateAtTheConfiguredSizeAndAppendingResumesAfterRecovery() async throws {
        let directory = TemporaryDirectory()
        let records = try await writeFrames(200, in: directory.path, segmentSize: 2048)
        var configuration = LogConfiguration(directory: directory.path)
        configuration.segmentSize = 2048
        let first = try LogRecovery.scan(configuration)
        #expect(first.segments > 3)
        #expect(first.records.map(\.record) == records)
        let log = try WriteAheadLog(configuration: configuration, tail: first.tail)
        let extra = LogRecord.directory([
            DirectoryEventRecord(
                sequence: 1,
                at: Timestamp(millisecondsSinceEpoch: 9),
                actor: .system,
                event: .sessionEnded(digest: SecretDigest(word0: 1, word1: 2))
            )
        ])
        let position = try log.append(extra)
        #expect(position == 201)
        try await log.waitUntilDurable(position)
        log.close()
        let second = try LogRecovery.scan(configuration)
        #expect(second.records.map(\.record) == records + [extra])
        #expect(try LogRecovery.scan(configuration, after: 150).records.map(\.position) == Array(151...201))
    }

    @Test func theFsyncPolicyNamesParse() {
        #expect(FsyncPolicy("group-commit") == .groupCommit)
        #expect(FsyncPolicy("every-record") == .everyRecord)
        #expect(FsyncPolicy("interval-20ms") == .interval(milliseconds: 20))
        #expect(FsyncPolicy("none") == FsyncPolicy.none)
        #expect(FsyncPolicy("interval-0ms") == nil && FsyncPolicy("sometimes") == nil)
    }
}
