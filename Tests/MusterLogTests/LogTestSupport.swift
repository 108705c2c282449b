import MusterDomain
import MusterEngine
import MusterSecurity
import MusterTestSupport
import Synchronization
import Testing

@testable import MusterLog

#if canImport(Glibc)
import Glibc
#endif

/// Hands every record to the log and keeps a copy, to compare what recovery reads back.
final class TeeSink: EventSink {
    let log: WriteAheadLog
    let memory = InMemoryEventSink()

    init(_ log: WriteAheadLog) {
        self.log = log
    }

    func append(_ record: LogRecord, mark: RequestMark?, mail: MailFacts?) throws -> LogPosition {
        let position = try log.append(record, mark: mark, mail: mail)
        _ = try memory.append(record, mark: mark, mail: mail)
        return position
    }

    func waitUntilDurable(_ position: LogPosition) async throws {
        try await log.waitUntilDurable(position)
    }
}

/// Records the fatal message instead of exiting.
final class FatalRecorder: Sendable {
    private let messages = Mutex<[String]>([])
    var all: [String] { messages.withLock { $0 } }
    var handler: @Sendable (String) -> Void { { [self] message in messages.withLock { $0.append(message) } } }
}

func engine(on sink: any EventSink, clock: ManualClock) -> MusterEngine {
    MusterEngine(secret: Array(repeating: 42, count: 32), sink: sink, clock: clock, hasher: PasswordHasher(rounds: 1_000))
}

/// Writes `count` small org records as separate, synced frames; returns the log directory.
func writeFrames(_ count: Int, in directory: String, segmentSize: Int64 = 1 << 20) async throws -> [LogRecord] {
    var configuration = LogConfiguration(directory: directory)
    configuration.segmentSize = segmentSize
    let log = try WriteAheadLog(configuration: configuration, tail: .empty)
    var records = [LogRecord]()
    let orgID = OrganisationID.random()
    for index in 0..<count {
        let record = LogRecord.org(
            orgID,
            [
                OrgEventRecord(
                    sequence: UInt64(index + 1),
                    at: Timestamp(millisecondsSinceEpoch: Int64(index)),
                    actor: .platformAdmin,
                    event: .organisationCreated(name: "org \(index) " + String(repeating: "x", count: index % 7))
                )
            ]
        )
        let position = try log.append(record)
        try await log.waitUntilDurable(position)
        records.append(record)
    }
    log.close()
    return records
}
