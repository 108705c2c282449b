import ArgumentParser
import MusterDomain
import MusterEngine
import MusterLog

/// `muster backup`: copies a data folder — a running server's too — into a new folder, then
/// checks the copy.
struct BackupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Copy a data folder, while the server runs, into a new folder with a manifest; then check the copy.",
        discussion: """
            The copy holds every change acknowledged before it began. It reads the folder only: \
            it takes no lock and needs no write access to it. Secrets are copied too, owner-only: \
            keep backups as safe as the folder itself.
            """
    )

    @OptionGroup var options: DataFolderOptions

    @Option(name: .customLong("to"), help: "The folder to write the backup into: new, or empty.")
    var target: String

    func run() throws {
        let manifest: BackupManifest
        do {
            manifest = try DataFolderBackup.take(from: options.dataDirectory, to: target, now: SystemWallClock().now().millisecondsSinceEpoch)
        } catch {
            print("backup: refused: \(error)")
            throw ExitCode(1)
        }
        print("backup: \(target): positions \(manifest.firstPosition)…\(manifest.lastPosition), \(manifest.files.count) files")
        let report = DataFolderCheck.check(target)
        for damage in report.damage { print("damage: \(damage)") }
        guard report.isSound else {
            print("status: the copy does not check; do not rely on it")
            throw ExitCode(1)
        }
        print("status: ok")
    }
}
