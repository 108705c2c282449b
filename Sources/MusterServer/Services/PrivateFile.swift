import MusterLog

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A file of the data folder that only the server's user may read: secrets and the ledger of
/// key uses.
enum PrivateFile {
    /// Replaces `path` with `bytes` atomically: written beside it, restricted to `0600`,
    /// renamed over it, and the folder synced.
    static func write(_ path: String, _ bytes: [UInt8], fileSystem: any LogFileSystem = PosixFileSystem()) throws {
        let temporary = path + ".tmp"
        try fileSystem.writeFile(temporary, bytes)
        guard chmod(temporary, 0o600) == 0 else { throw ServerSetupError("could not restrict the permissions of \(temporary)") }
        try fileSystem.rename(temporary, to: path)
        let directory = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "."
        try fileSystem.syncDirectory(directory.isEmpty ? "/" : directory)
    }
}
