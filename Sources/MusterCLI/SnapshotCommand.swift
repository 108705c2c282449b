import ArgumentParser
import MusterLog

/// `muster snapshot`: recovers the data folder and writes a snapshot now (the server must not
/// be running on the same folder; the folder's lock refuses a second process).
struct SnapshotCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "snapshot",
        abstract: "Take a snapshot of the data folder now, so the next start replays less log."
    )

    @OptionGroup var options: DataFolderOptions

    func run() async throws {
        // The snapshot signs nothing, so any secret will do for this offline engine.
        let durable = try await DurableEngine.open(StoreOptions(dataDirectory: options.dataDirectory), secret: Array(repeating: 0, count: 32))
        print(durable.report)
        let written = try await durable.snapshot()
        durable.close()
        print("snapshot: \(written.path) (position \(written.position), \(written.bytes) bytes)")
    }
}
