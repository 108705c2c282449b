import Glibc
import MusterEngine
import MusterStorage

/// Copies a data folder that a server may be writing to, consistently, without stopping the
/// server or taking its lock: only reading, in an order that makes the copy a state the
/// server passed through.
///
/// 1. The small files of the folder's top first (the server secret, the admin token, the
///    outbox's cursor, the webhook and idempotency journals): every position they name is
///    durable already, so the log read after them holds it.
/// 2. Every snapshot, then every segment of the log, each read whole through one open file,
///    so a compaction that deletes a file after it is opened changes nothing read. A file
///    deleted between the listing and its opening (a snapshot finished meanwhile) starts the
///    copy again.
/// 3. Each segment's whole frames; the newest segment is cut at its first frame that is not
///    whole, which is one being written. Every record acknowledged before the backup began
///    was whole by then, so it is in the copy. Damage anywhere else stops the backup.
///
/// The copy is written owner-only, each file synced, and `MANIFEST` last.
public enum DataFolderBackup {
    /// The files of a data folder's top a backup carries, when they exist.
    static let topFiles = ["server-secret.key", "admin-token", "outbox.cursor", "webhooks.journal", "idempotency.journal", "api-key-usage"]

    /// How often a copy is started again because a file went away while it was being read.
    static let attempts = 5

    /// Copies the data folder `source` into `target`, which must not exist or be empty, and
    /// returns the manifest written there. `now` is the time recorded as the backup's.
    public static func take(
        from source: String,
        to target: String,
        now: Int64,
        fileSystem: PosixFileSystem = PosixFileSystem()
    ) throws(BackupError)
        -> BackupManifest
    {
        try requireEmpty(target, fileSystem: fileSystem)
        guard fileSystem.exists(source + "/log") || fileSystem.exists(source + "/snapshots") else {
            throw .refused("\(source) is not a Muster data folder: it has neither log/ nor snapshots/")
        }
        var lastRace = ""
        for _ in 0..<attempts {
            let copied: Copied
            do {
                copied = try read(source, fileSystem: fileSystem)
            } catch let error as FileSystemError where error.code == ENOENT {
                lastRace = error.path
                continue
            } catch let error as BackupError {
                throw error
            } catch {
                throw .failed("cannot read \(source): \(error)")
            }
            return try write(copied, to: target, now: now, fileSystem: fileSystem)
        }
        throw .failed("files kept going away while they were read (last \(lastRace)); is a snapshot being taken every moment?")
    }

    /// What was read from the source folder, ready to be written.
    struct Copied {
        var files: [(path: String, bytes: [UInt8])] = []
        var firstPosition: LogPosition = 1
        var lastPosition: LogPosition = 0
        var format = EventCodec.version
    }

    /// Reads everything to copy. Throws ``FileSystemError`` `ENOENT` when a file listed went
    /// away before it was opened (the caller starts again), ``BackupError`` for damage.
    private static func read(_ source: String, fileSystem: PosixFileSystem) throws -> Copied {
        var copied = Copied()
        for name in topFiles where fileSystem.exists(source + "/" + name) {
            copied.files.append((name, try fileSystem.read(source + "/" + name)))
        }
        let snapshots = SnapshotStore(directory: source + "/snapshots", fileSystem: fileSystem).list().sorted { $0.position < $1.position }
        for snapshot in snapshots {
            copied.files.append(("snapshots/" + snapshot.path.split(separator: "/").last!, try fileSystem.read(snapshot.path)))
        }
        let logDirectory = source + "/log"
        let names = fileSystem.exists(logDirectory) ? try fileSystem.list(logDirectory).filter(LogRecovery.isSegmentName).sorted() : []
        var segments = [(name: String, bytes: [UInt8])]()
        for name in names { segments.append((name, try fileSystem.read(logDirectory + "/" + name))) }
        // Cut each segment to its whole frames; only the newest may end in one being written.
        var next: LogPosition?
        for (index, segment) in segments.enumerated() {
            let file = "log/" + segment.name
            let length = try wholeFrames(segment.bytes, file: file, isNewest: index == segments.count - 1, next: &next, copied: &copied)
            copied.files.append((file, Array(segment.bytes[..<length])))
        }
        let snapshotEnd = snapshots.last?.position ?? 0
        if let next {
            copied.lastPosition = max(next - 1, snapshotEnd)
            guard copied.firstPosition <= snapshotEnd + 1 else {
                throw BackupError.damaged(
                    file: "log/" + names[0],
                    offset: 0,
                    reason: "the log starts at position \(copied.firstPosition), after the newest snapshot's \(snapshotEnd) + 1: records are missing"
                )
            }
        } else {
            copied.lastPosition = snapshotEnd
            copied.firstPosition = snapshotEnd + 1
        }
        return copied
    }

    /// The length of `bytes` that is whole frames following on from `next`, which it moves on.
    private static func wholeFrames(
        _ bytes: [UInt8],
        file: String,
        isNewest: Bool,
        next: inout LogPosition?,
        copied: inout Copied
    ) throws(BackupError)
        -> Int
    {
        var offset = 0
        while offset < bytes.count {
            switch Frame.scan(bytes, at: offset) {
            case .frame(let frame, let length):
                if let expected = next, frame.firstPosition != expected {
                    throw .damaged(file: file, offset: Int64(offset), reason: "the frame starts at position \(frame.firstPosition), not \(expected)")
                }
                if next == nil { copied.firstPosition = frame.firstPosition }
                next = frame.firstPosition + LogPosition(frame.recordCount)
                copied.format = frame.version
                offset += length
            case .end:
                return offset
            case .damaged(let reason):
                // The newest segment's first frame that is not whole is the one being written.
                guard isNewest else { throw .damaged(file: file, offset: Int64(offset), reason: reason) }
                return offset
            }
        }
        return offset
    }

    private static func write(_ copied: Copied, to target: String, now: Int64, fileSystem: PosixFileSystem) throws(BackupError) -> BackupManifest {
        var entries = [BackupManifest.Entry]()
        do throws(FileSystemError) {
            for folder in [target, target + "/log", target + "/snapshots"] { try fileSystem.createDirectory(folder) }
            for file in copied.files {
                try fileSystem.writeFile(target + "/" + file.path, file.bytes)
                entries.append(BackupManifest.Entry(path: file.path, bytes: file.bytes.count, crc32: Zlib.crc32(file.bytes)))
            }
            let manifest = BackupManifest(
                format: copied.format,
                takenAt: now,
                firstPosition: copied.firstPosition,
                lastPosition: copied.lastPosition,
                files: entries
            )
            for folder in [target + "/log", target + "/snapshots"] { try fileSystem.syncDirectory(folder) }
            let path = target + "/" + BackupManifest.fileName
            try fileSystem.writeFile(path + ".tmp", Array(manifest.text.utf8))
            try fileSystem.rename(path + ".tmp", to: path)
            try fileSystem.syncDirectory(target)
            return manifest
        } catch {
            throw .failed("cannot write the backup in \(target): \(error)")
        }
    }

    /// Refuses a folder that exists and holds anything: a backup or restore never mixes with
    /// files already there.
    static func requireEmpty(_ folder: String, fileSystem: PosixFileSystem) throws(BackupError) {
        guard fileSystem.exists(folder) else { return }
        let names: [String]
        do { names = try fileSystem.list(folder) } catch { throw .refused("\(folder) exists and cannot be listed: \(error)") }
        guard names.isEmpty else { throw .refused("\(folder) is not empty; Muster writes a backup or a restore only into a new or empty folder") }
    }
}
