import ArgumentParser

/// The `muster` command: the server and the tools an operator needs around its data folder.
@main
struct Muster: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "muster",
        abstract: "The service of record for who may see which case.",
        subcommands: [
            ServeCommand.self, LogCommand.self, SnapshotCommand.self, BackupCommand.self, VerifyCommand.self, RestoreCommand.self,
            OpenAPICommand.self,
        ]
    )
}

/// Options every data-folder command shares.
struct DataFolderOptions: ParsableArguments {
    @Option(name: .customLong("data-dir"), help: "The data folder (environment: MUSTER_DATA_DIR).")
    var dataDirectory: String = Environment.value("MUSTER_DATA_DIR") ?? "data"

    var logDirectory: String { dataDirectory + "/log" }
}

/// Reads the process environment.
enum Environment {
    static func value(_ name: String) -> String? {
        guard let raw = getenv(name) else { return nil }
        return String(cString: raw)
    }
}

#if canImport(Glibc)
import Glibc
#endif
