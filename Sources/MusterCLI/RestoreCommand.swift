import ArgumentParser
import MusterDomain
import MusterEngine
import MusterLog

/// `muster restore`: builds a data folder from a backup, whole or up to a point.
struct RestoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Build a data folder from a backup, optionally only up to a log position or a time.",
        discussion: """
            The backup is checked first; a damaged one is refused, naming the file and offset. \
            The target must be new or empty. With --until, changes after the point are left out, \
            and so are the saved answers to requests with an Idempotency-Key.
            """
    )

    @Option(name: .customLong("from"), help: "The backup folder, as `muster backup` wrote it.")
    var backup: String

    @Option(name: .customLong("to"), help: "The data folder to build: new, or empty.")
    var target: String

    @Option(help: "Stop after this log position, or after the last change at or before this UTC time (2026-12-06T14:00:00Z).")
    var until: String?

    func validate() throws {
        if let until, Self.point(until) == nil {
            throw ValidationError("--until must be a log position (a whole number) or a UTC time such as 2026-12-06T14:00:00Z")
        }
    }

    static func point(_ text: String) -> DataFolderRestore.Point? {
        if let position = LogPosition(text) { return .position(position) }
        return Timestamp(iso8601: text).map { .time($0) }
    }

    func run() throws {
        do {
            let outcome = try DataFolderRestore.restore(from: backup, to: target, until: until.flatMap(Self.point))
            let start = outcome.snapshotPosition.map { "the snapshot at \($0)" } ?? "the start of the log"
            print("restore: \(target): from \(start) through position \(outcome.lastPosition); \(outcome.recordsLeftOut) later records left out")
            print("status: ok")
        } catch {
            print("restore: refused: \(error)")
            throw ExitCode(1)
        }
    }
}
