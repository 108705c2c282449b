import MusterEngine
import MusterStorage
import Synchronization

/// Reads a lagging follower's next records from the segment files, keeping the last segment
/// it read with where each of its frames starts.
///
/// A follower more than the write-ahead log's in-memory window behind (the outbox while a
/// bulk load makes emails faster than they can be written) asks for a few hundred records at
/// a time. Scanning for them from the segment's start read the whole segment (64 MiB by
/// default) and decoded every frame after the position on each call. Here a segment is read
/// once, its frames are found by their first positions, and a call decodes only the frames
/// its records are in. The last segment read stays in memory until a follower needs another;
/// an append-only segment's frames never change once durable, so what was read stays true,
/// and a segment that has grown since is read again when a follower reaches its end.
final class FollowerSegmentReader: Sendable {
    /// One segment file as read: its frames, in order.
    private struct Segment {
        let path: String
        let frames: [Frame]
        /// The position after the last record of its last whole frame.
        var end: LogPosition { frames.last.map { $0.firstPosition + LogPosition($0.recordCount) } ?? 0 }
    }

    private let segment = Mutex<Segment?>(nil)

    /// The durable records after `position`, at most `limit`, from the segments that hold
    /// them; `nil` when this reader cannot tell (no segment holds the next record, or one is
    /// damaged there), for the caller's full scan to answer or explain.
    func records(
        after position: LogPosition,
        limit: Int,
        durable: LogPosition,
        directory: String,
        fileSystem: any LogFileSystem
    ) throws(LogError) -> [LogRecordAt]? {
        var records = [LogRecordAt]()
        var wanted = position + 1
        while records.count < limit, wanted <= durable {
            guard let frames = frames(holding: wanted, directory: directory, fileSystem: fileSystem),
                let first = Self.frameIndex(holding: wanted, in: frames)
            else { return records.isEmpty ? nil : records }
            for frame in frames[first...] {
                guard records.count < limit, frame.firstPosition <= durable else { break }
                for record in try frame.records() where record.position >= wanted && record.position <= durable {
                    records.append(record)
                    if records.count == limit { break }
                }
            }
            // On from where these frames end: the same segment read again if it has grown,
            // else the next one.
            wanted = max(wanted, (records.last?.position ?? 0) + 1)
            if let last = frames.last, records.count < limit { wanted = max(wanted, last.firstPosition + LogPosition(last.recordCount)) }
        }
        return records
    }

    /// The frames of the segment holding `position`, from the segment kept if it reaches that
    /// far, else read now (and kept instead); `nil` when no readable segment holds it.
    private func frames(holding position: LogPosition, directory: String, fileSystem: any LogFileSystem) -> [Frame]? {
        guard let names = try? fileSystem.list(directory).filter(LogRecovery.isSegmentName).sorted(),
            let name = names.last(where: { LogPosition($0.dropLast(4)).map { $0 <= position } ?? false })
        else { return nil }
        let path = directory + "/" + name
        if let kept = segment.withLock({ held in held.flatMap { $0.path == path && $0.end > position ? $0.frames : nil } }) {
            return kept
        }
        guard let read = Self.read(path, fileSystem: fileSystem), read.end > position else { return nil }
        segment.withLock { $0 = read }
        return read.frames
    }

    /// The segment at `path`, read and split into frames up to its end or its first damage;
    /// `nil` when it cannot be read.
    private static func read(_ path: String, fileSystem: any LogFileSystem) -> Segment? {
        guard let bytes = try? fileSystem.read(path) else { return nil }
        var frames = [Frame]()
        var offset = 0
        scanning: while true {
            switch Frame.scan(bytes, at: offset) {
            case .frame(let frame, let length):
                if let last = frames.last, frame.firstPosition != last.firstPosition + LogPosition(last.recordCount) { break scanning }
                frames.append(frame)
                offset += length
            case .end, .damaged:
                break scanning
            }
        }
        return Segment(path: path, frames: frames)
    }

    /// The index of the frame holding `position`, by binary search on the frames' first
    /// positions; `nil` when none does.
    private static func frameIndex(holding position: LogPosition, in frames: [Frame]) -> Int? {
        var low = 0
        var high = frames.count
        while low < high {
            let middle = (low + high) / 2
            if frames[middle].firstPosition <= position { low = middle + 1 } else { high = middle }
        }
        guard low > 0 else { return nil }
        let frame = frames[low - 1]
        return position < frame.firstPosition + LogPosition(frame.recordCount) ? low - 1 : nil
    }
}
