import MusterLog
import MusterStorage

/// A file of the data folder that only the server's user may read: secrets and the ledger of
/// key uses.
enum PrivateFile {
    /// Replaces `path` with `bytes` atomically: written beside it (created `0600`), synced,
    /// renamed over it, and the folder synced.
    static func write(_ path: String, _ bytes: [UInt8], fileSystem: any LogFileSystem = PosixFileSystem()) throws {
        let temporary = path + ".tmp"
        // A fresh file is created `0600`; one left by an earlier crash may have been made by a
        // looser hand, so it goes first rather than being reused.
        if fileSystem.exists(temporary) { try fileSystem.remove(temporary) }
        try fileSystem.writeFile(temporary, bytes)
        try fileSystem.rename(temporary, to: path)
        let directory = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "."
        try fileSystem.syncDirectory(directory.isEmpty ? "/" : directory)
    }
}
