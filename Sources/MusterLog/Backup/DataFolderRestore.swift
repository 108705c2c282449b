import MusterDomain
import MusterEngine
import MusterStorage

/// Builds a data folder from a backup, whole or up to a point: a log position, or a time.
///
/// The backup is checked first and refused, naming the file and offset, if anything in it is
/// damaged; a target that holds anything is refused. Up to a point, the folder gets the newest
/// snapshot at or before it and the log cut exactly there (the frame that holds the point is
/// written again with the records up to it); the idempotency journal is left out, because its
/// answers may describe changes after the point, so a retry after such a restore is carried
/// out again. The outbox's cursor and the webhooks' progress are kept: a server that starts on
/// the folder brings any of them past the end of the log back to it.
public enum DataFolderRestore {
    /// Where a restore stops.
    public enum Point: Hashable, Sendable, CustomStringConvertible {
        /// After the record at this log position.
        case position(LogPosition)
        /// After the last record whose changes all happened at or before this time.
        case time(Timestamp)

        public var description: String {
            switch self {
            case .position(let position): "position \(position)"
            case .time(let time): "\(time.iso8601)"
            }
        }
    }

    /// What a restore wrote.
    public struct Outcome: Sendable {
        /// The last log position of the restored folder.
        public var lastPosition: LogPosition
        /// The snapshot the folder starts from, if any.
        public var snapshotPosition: LogPosition?
        /// The records of the backup left out after the point.
        public var recordsLeftOut: Int
    }

    /// Restores `backup` into `target`, up to `point` when one is given.
    public static func restore(
        from backup: String,
        to target: String,
        until point: Point? = nil,
        fileSystem: PosixFileSystem = PosixFileSystem()
    )
        throws(BackupError) -> Outcome
    {
        let checked = DataFolderCheck.check(backup, fileSystem: fileSystem)
        if let damage = checked.damage.first { throw damage }
        guard let manifest = checked.manifest else {
            throw .refused("\(backup) has no \(BackupManifest.fileName): restore reads backups made by `muster backup`")
        }
        try DataFolderBackup.requireEmpty(target, fileSystem: fileSystem)
        let cut = try point.map { point throws(BackupError) in try position(of: point, in: backup, manifest: manifest, fileSystem: fileSystem) }
        let end = cut ?? manifest.lastPosition
        let snapshots = manifest.files.compactMap { entry -> (position: LogPosition, path: String)? in
            guard entry.path.hasPrefix("snapshots/"), entry.path.hasSuffix(".snap") else { return nil }
            return LogPosition(entry.path.dropFirst("snapshots/".count).dropLast(".snap".count)).map { ($0, entry.path) }
        }
        let snapshot = snapshots.filter { $0.position <= end }.max { $0.position < $1.position }
        if cut != nil, snapshot == nil, manifest.firstPosition > 1 {
            throw .refused(
                "the backup cannot go back to position \(end): its log starts at \(manifest.firstPosition) and it has no snapshot at or before \(end)"
            )
        }
        // Built beside the target and renamed into place once it checks: a restore that fails
        // leaves no half-built folder where a server might be started.
        let building = target + ".restoring"
        if fileSystem.exists(building) { removeTree(building, fileSystem: fileSystem) }
        var leftOut = 0
        do {
            for folder in [building, building + "/log", building + "/snapshots"] { try fileSystem.createDirectory(folder) }
            for entry in manifest.files {
                let source = backup + "/" + entry.path
                if entry.path.hasPrefix("snapshots/") {
                    // Up to a point, only the snapshot it starts from: a newer one holds more.
                    guard cut == nil || entry.path == snapshot?.path else { continue }
                    try fileSystem.writeFile(building + "/" + entry.path, try fileSystem.read(source))
                } else if entry.path.hasPrefix("log/") {
                    let bytes = try fileSystem.read(source)
                    let (kept, dropped) = try cut.map { cut throws(BackupError) in try segment(bytes, file: entry.path, through: cut) } ?? (bytes, 0)
                    leftOut += dropped
                    if !kept.isEmpty { try fileSystem.writeFile(building + "/" + entry.path, kept) }
                } else {
                    if cut != nil, entry.path == "idempotency.journal" { continue }
                    try fileSystem.writeFile(building + "/" + entry.path, try fileSystem.read(source))
                }
            }
            for folder in [building + "/log", building + "/snapshots", building] { try fileSystem.syncDirectory(folder) }
            let restored = DataFolderCheck.check(building, fileSystem: fileSystem)
            if let damage = restored.damage.first { throw BackupError.failed("the restored folder does not check: \(damage)") }
            guard restored.lastPosition == end else {
                throw BackupError.failed("the restored folder ends at position \(restored.lastPosition), not \(end)")
            }
            try fileSystem.rename(building, to: target)
            try fileSystem.syncDirectory(parent(of: target))
        } catch {
            removeTree(building, fileSystem: fileSystem)
            if let error = error as? BackupError { throw error }
            throw .failed("cannot restore into \(target): \(error)")
        }
        return Outcome(lastPosition: end, snapshotPosition: snapshot?.position, recordsLeftOut: leftOut)
    }

    /// Removes a folder this restore built: its files and its two subfolders.
    private static func removeTree(_ folder: String, fileSystem: PosixFileSystem) {
        for sub in ["log", "snapshots"] {
            for name in (try? fileSystem.list(folder + "/" + sub)) ?? [] { try? fileSystem.remove(folder + "/" + sub + "/" + name) }
            try? fileSystem.removeDirectory(folder + "/" + sub)
        }
        for name in (try? fileSystem.list(folder)) ?? [] { try? fileSystem.remove(folder + "/" + name) }
        try? fileSystem.removeDirectory(folder)
    }

    private static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// The log position a point names, within what the backup holds.
    private static func position(
        of point: Point,
        in backup: String,
        manifest: BackupManifest,
        fileSystem: PosixFileSystem
    ) throws(BackupError)
        -> LogPosition
    {
        let earliest = manifest.firstPosition - 1
        switch point {
        case .position(let position):
            guard position <= manifest.lastPosition else {
                throw .refused("the backup ends at position \(manifest.lastPosition); it does not hold position \(position)")
            }
            guard position >= earliest else { throw .refused("the backup's log starts after position \(position)") }
            return position
        case .time(let time):
            // The first record with a change after the time ends the restore just before it.
            var found: LogPosition?
            do {
                _ = try LogRecovery.stream(LogConfiguration(directory: backup + "/log"), fileSystem: fileSystem, repair: false, mail: false) {
                    frames throws(LogError) in
                    guard found == nil else { return }
                    found = frames.lazy.joined().first { $0.record.latest > time }?.position
                }
            } catch {
                throw .failed("cannot read the backup's log: \(error)")
            }
            guard let found else { return manifest.lastPosition }
            guard found - 1 >= earliest else {
                throw .refused("the backup's log starts at position \(manifest.firstPosition), after \(time.iso8601)")
            }
            return found - 1
        }
    }

    /// A segment's bytes through the record at `cut`, and how many records were left out.
    private static func segment(_ bytes: [UInt8], file: String, through cut: LogPosition) throws(BackupError) -> (bytes: [UInt8], leftOut: Int) {
        var kept = [UInt8]()
        var leftOut = 0
        var offset = 0
        while offset < bytes.count {
            guard case .frame(let frame, let length) = Frame.scan(bytes, at: offset) else { break }
            let last = frame.firstPosition + LogPosition(frame.recordCount) - 1
            if last <= cut {
                kept += bytes[offset..<(offset + length)]
            } else if frame.firstPosition > cut {
                leftOut += Int(frame.recordCount)
            } else {
                let records: [[UInt8]]
                do { records = try frame.recordBytes() } catch {
                    throw .damaged(file: file, offset: Int64(offset), reason: "\(error)")
                }
                let keep = Int(cut - frame.firstPosition + 1)
                var payload = BinaryWriter()
                for record in records.prefix(keep) {
                    payload.varint(UInt64(record.count))
                    payload.bytes.append(contentsOf: record)
                }
                let shorter = Frame(firstPosition: frame.firstPosition, recordCount: UInt32(keep), payload: payload.bytes, version: frame.version)
                kept += shorter.encoded(level: 1)
                leftOut += records.count - keep
            }
            offset += length
        }
        return (kept, leftOut)
    }
}

extension LogRecord {
    /// The time of the record's latest event.
    var latest: Timestamp {
        switch self {
        case .org(_, let events): events.map(\.at).max() ?? Timestamp(millisecondsSinceEpoch: 0)
        case .directory(let events): events.map(\.at).max() ?? Timestamp(millisecondsSinceEpoch: 0)
        }
    }
}
