import MusterEngine
import MusterStorage

/// The list of what a backup holds, written last into the backup as `MANIFEST`: the format,
/// the log positions it covers, and every file with its size and CRC-32, so that a damaged or
/// incomplete copy is found before anyone restores from it.
///
/// A text file, one fact a line, which a person can read:
///
/// ```
/// muster-backup 1
/// format 5
/// taken-at 1796601600000
/// positions 1 4812
/// file 9f0c2a11 6781 log/00000000000000000001.wal
/// ```
public struct BackupManifest: Hashable, Sendable {
    /// One file of the backup.
    public struct Entry: Hashable, Sendable {
        /// The path inside the backup (`log/…`, `snapshots/…`, or a file of the folder's top).
        public var path: String
        /// Its size.
        public var bytes: Int
        /// The CRC-32 (zlib's) of its bytes.
        public var crc32: UInt32
    }

    /// The log format the newest frames were written in.
    public var format: UInt16
    /// When the backup was taken, in milliseconds since the epoch.
    public var takenAt: Int64
    /// The first record the backup's log holds (1, or the oldest kept after compaction).
    public var firstPosition: LogPosition
    /// The last record it holds: every record acknowledged before the backup began is at or
    /// before this position.
    public var lastPosition: LogPosition
    /// Every file of the backup but the manifest, in the order they were written.
    public var files: [Entry]

    static let fileName = "MANIFEST"
    static let heading = "muster-backup 1"

    /// The manifest as its file holds it.
    var text: String {
        var lines = [Self.heading, "format \(format)", "taken-at \(takenAt)", "positions \(firstPosition) \(lastPosition)"]
        for file in files { lines.append("file \(Self.hex(file.crc32)) \(file.bytes) \(file.path)") }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Reads a manifest back; refuses anything it does not understand, naming the line.
    init(text: String) throws(LogError) {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        guard lines.first == Self.heading else { throw .malformed("\(Self.fileName): not a Muster backup manifest") }
        var format: UInt16?
        var takenAt: Int64?
        var positions: (LogPosition, LogPosition)?
        var files = [Entry]()
        for (number, line) in lines.enumerated().dropFirst() {
            let parts = line.split(separator: " ", maxSplits: 3).map(String.init)
            switch (parts.first, parts.count) {
            case ("format", 2): format = UInt16(parts[1])
            case ("taken-at", 2): takenAt = Int64(parts[1])
            case ("positions", 3):
                if let first = LogPosition(parts[1]), let last = LogPosition(parts[2]) { positions = (first, last) }
            case ("file", 4):
                guard let crc = UInt32(parts[1], radix: 16), let bytes = Int(parts[2]), Self.isSafe(parts[3]) else {
                    throw .malformed("\(Self.fileName) line \(number + 1): a file line that does not read: \(line)")
                }
                files.append(Entry(path: parts[3], bytes: bytes, crc32: crc))
            default:
                throw .malformed("\(Self.fileName) line \(number + 1): an unknown line: \(line)")
            }
        }
        guard let format, let takenAt, let positions else { throw .malformed("\(Self.fileName): the format, time or positions are missing") }
        self.init(format: format, takenAt: takenAt, firstPosition: positions.0, lastPosition: positions.1, files: files)
    }

    init(format: UInt16, takenAt: Int64, firstPosition: LogPosition, lastPosition: LogPosition, files: [Entry]) {
        self.format = format
        self.takenAt = takenAt
        self.firstPosition = firstPosition
        self.lastPosition = lastPosition
        self.files = files
    }

    /// Whether a path named by a manifest stays inside the backup: a top-level name, or one
    /// inside `log/` or `snapshots/`, with no `..` and no absolute path. A manifest is input:
    /// a forged one must not make a restore read or write outside its folders.
    static func isSafe(_ path: String) -> Bool {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), parts.allSatisfy({ !$0.isEmpty && $0 != "." && $0 != ".." }) else { return false }
        return parts.count == 1 || parts[0] == "log" || parts[0] == "snapshots"
    }

    static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 8 - digits.count) + digits
    }
}
