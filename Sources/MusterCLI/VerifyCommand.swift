import ArgumentParser
import MusterLog

/// `muster verify`: reads a data folder or a backup end to end and reports, changing nothing.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check a data folder or a backup end to end — manifest, every frame, every snapshot, a replay, the journals; exit 1 on damage."
    )

    @OptionGroup var options: DataFolderOptions

    func run() throws {
        let report = DataFolderCheck.check(options.dataDirectory)
        for finding in report.findings { print(finding) }
        for damage in report.damage { print("damage: \(damage)") }
        print("last position: \(report.lastPosition)")
        guard report.isSound else {
            print("status: damaged")
            throw ExitCode(1)
        }
        print("status: ok")
    }
}
