import MusterDomain
import MusterEngine
import MusterStorage

/// Reads a data folder or a backup end to end and says what it found, changing nothing: the
/// manifest's sizes and checksums (a backup's), every frame of the log, every snapshot, a
/// replay of the newest snapshot and the log after it (every stream's events in sequence),
/// and the journals.
public enum DataFolderCheck {
    /// What a check found.
    public struct Report: Sendable {
        /// What was read, a line each, for a person.
        public var findings: [String] = []
        /// The damage found, each naming its file and offset.
        public var damage: [BackupError] = []
        /// The manifest, when the folder is a backup.
        public var manifest: BackupManifest?
        /// The last log position the folder holds (the newest snapshot's, if the log is empty).
        public var lastPosition: LogPosition = 0

        /// Whether nothing is damaged.
        public var isSound: Bool { damage.isEmpty }
    }

    /// Checks the folder `folder`.
    public static func check(_ folder: String, fileSystem: PosixFileSystem = PosixFileSystem()) -> Report {
        var report = Report()
        guard fileSystem.exists(folder) else {
            report.damage.append(.refused("\(folder) does not exist"))
            return report
        }
        readManifest(folder, fileSystem: fileSystem, into: &report)
        let snapshot = checkSnapshots(folder, fileSystem: fileSystem, into: &report)
        checkLog(folder, after: snapshot, fileSystem: fileSystem, into: &report)
        checkJournals(folder, fileSystem: fileSystem, into: &report)
        // Last, so that a file the reading found damaged is named with the offset it found.
        checkManifestFiles(folder, fileSystem: fileSystem, into: &report)
        return report
    }

    private static func readManifest(_ folder: String, fileSystem: PosixFileSystem, into report: inout Report) {
        let path = folder + "/" + BackupManifest.fileName
        guard fileSystem.exists(path) else { return }
        let manifest: BackupManifest
        do {
            manifest = try BackupManifest(text: String(decoding: try fileSystem.read(path), as: UTF8.self))
        } catch {
            report.damage.append(.damaged(file: BackupManifest.fileName, offset: 0, reason: "\(error)"))
            return
        }
        report.manifest = manifest
        report.findings.append(
            "backup: positions \(manifest.firstPosition)…\(manifest.lastPosition), \(manifest.files.count) files, format \(manifest.format)"
        )
    }

    /// Compares every file the manifest lists with its size and checksum.
    private static func checkManifestFiles(_ folder: String, fileSystem: PosixFileSystem, into report: inout Report) {
        guard let manifest = report.manifest else { return }
        let named = Set(
            report.damage.compactMap { damage -> String? in
                if case .damaged(let file, _, _) = damage { file } else { nil }
            }
        )
        for entry in manifest.files where !named.contains(entry.path) {
            guard let bytes = try? fileSystem.read(folder + "/" + entry.path) else {
                report.damage.append(.damaged(file: entry.path, offset: 0, reason: "the manifest lists it, but it is missing or unreadable"))
                continue
            }
            if bytes.count != entry.bytes {
                let offset = Int64(min(bytes.count, entry.bytes))
                report.damage.append(
                    .damaged(file: entry.path, offset: offset, reason: "\(bytes.count) bytes where the manifest says \(entry.bytes)")
                )
            } else if Zlib.crc32(bytes) != entry.crc32 {
                report.damage.append(.damaged(file: entry.path, offset: 0, reason: "its checksum differs from the manifest's"))
            }
        }
    }

    /// Loads every snapshot; returns the newest that loads.
    private static func checkSnapshots(_ folder: String, fileSystem: PosixFileSystem, into report: inout Report) -> Snapshot? {
        let store = SnapshotStore(directory: folder + "/snapshots", fileSystem: fileSystem)
        var newest: Snapshot?
        for candidate in store.list() {
            let name = "snapshots/" + candidate.path.split(separator: "/").last!
            do {
                let snapshot = try store.load(candidate.path)
                report.findings.append("\(name): position \(snapshot.position), \(snapshot.orgs.count) orgs, \(snapshot.directory.users.count) users")
                if newest == nil { newest = snapshot }
            } catch {
                report.damage.append(.damaged(file: name, offset: 0, reason: "\(error)"))
            }
        }
        return newest
    }

    /// Checks every frame and replays the records after `snapshot` onto it.
    private static func checkLog(_ folder: String, after snapshot: Snapshot?, fileSystem: PosixFileSystem, into report: inout Report) {
        let start = snapshot?.position ?? 0
        report.lastPosition = start
        guard fileSystem.exists(folder + "/log") else {
            report.findings.append("log: none")
            return
        }
        let replay = LogReplay(onto: snapshot)
        do {
            let scan = try LogRecovery.stream(
                LogConfiguration(directory: folder + "/log"),
                fileSystem: fileSystem,
                after: start,
                repair: false,
                mail: false,
                readingEverySegment: true
            ) {
                frames throws(LogError) in try replay.apply(frames: frames)
            }
            if let first = scan.firstPosition, first > start + 1 {
                let segment = "log/" + (try fileSystem.list(folder + "/log").filter(LogRecovery.isSegmentName).sorted().first ?? "")
                report.damage.append(
                    .damaged(file: segment, offset: 0, reason: "the log starts at position \(first); records \(start + 1)…\(first - 1) are missing")
                )
            }
            report.lastPosition = max(start, scan.tail.lastPosition)
            report.findings.append(
                "log: \(scan.segments) segments, \(scan.frames) frames, positions \(scan.firstPosition.map { "\($0)…\(scan.tail.lastPosition)" } ?? "none"), \(replay.records) records replayed onto \(snapshot == nil ? "empty state" : "the snapshot at \(start)")"
            )
            for truncation in scan.truncations {
                // A crashed server's torn tail is cut at its next start; a backup has none.
                let cut = BackupError.damaged(
                    file: "log/" + truncation.segment.split(separator: "/").last!,
                    offset: truncation.offset,
                    reason: truncation.reason
                )
                if report.manifest == nil {
                    report.findings.append("log: a torn tail, which the next start cuts: \(cut)")
                } else {
                    report.damage.append(cut)
                }
            }
        } catch let error as LogError {
            if case .corrupt(let segment, let offset, let reason) = error {
                report.damage.append(.damaged(file: "log/" + segment.split(separator: "/").last!, offset: offset, reason: reason))
            } else {
                report.damage.append(.damaged(file: "log", offset: 0, reason: "\(error)"))
            }
        } catch {
            report.damage.append(.damaged(file: "log", offset: 0, reason: "\(error)"))
        }
    }

    /// Reads each journal's entries; a torn last entry is reported, not counted as damage (a
    /// server cuts it at its next start, and a copy of a live journal may end in one).
    private static func checkJournals(_ folder: String, fileSystem: PosixFileSystem, into report: inout Report) {
        for name in ["outbox.cursor", "webhooks.journal", "idempotency.journal"] where fileSystem.exists(folder + "/" + name) {
            guard let bytes = try? fileSystem.read(folder + "/" + name) else {
                report.damage.append(.damaged(file: name, offset: 0, reason: "unreadable"))
                continue
            }
            let (entries, length) = Journal.entries(in: bytes)
            var line = "\(name): \(entries.count) entries"
            if length < bytes.count { line += "; \(bytes.count - length) bytes of a torn last entry at offset \(length), which the next start cuts" }
            report.findings.append(line)
        }
        if !fileSystem.exists(folder + "/server-secret.key") {
            report.findings.append("server-secret.key: missing; a server started here makes a new one, and links sent before it no longer open")
        }
    }
}
