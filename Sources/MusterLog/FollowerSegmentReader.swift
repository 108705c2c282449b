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
/// its records are in. The two segments used last stay in memory (two followers may lag in
/// different segments: the outbox's in-order reading and its reading ahead), and go once no
/// call has used them for ``idleMilliseconds``; an append-only segment's frames never change
/// once durable, so what was read stays true, and a segment that has grown since is read again
/// when a follower reaches its end.
final class FollowerSegmentReader: Sendable {
    /// One segment file as read: its frames, in order.
    private struct Segment {
        let path: String
        let frames: [Frame]
        /// When a call last used it (monotonic milliseconds).
        var used: Int64
        /// The position after the last record of its last whole frame.
        var end: LogPosition { frames.last.map { $0.firstPosition + LogPosition($0.recordCount) } ?? 0 }
    }

    /// How many segments are kept.
    static let keptSegments = 2
    /// How long a kept segment stays unused before it is let go.
    static let idleMilliseconds: Int64 = 10_000

    private let segments = Mutex<[Segment]>([])

    /// Lets go of the segments no call has used for ``idleMilliseconds``: the followers are
    /// back in the log's in-memory window, or gone.
    func dropIdle(now: Int64 = WriteAheadLog.monotonicMilliseconds()) {
        segments.withLock { kept in
            if !kept.isEmpty { kept.removeAll { now - $0.used >= Self.idleMilliseconds } }
        }
    }

    /// How many segments are held now (for tests).
    var heldSegments: Int { segments.withLock { $0.count } }

    /// The durable records after `position`, at most `limit`, from the segments that hold
    /// them; `nil` when this reader cannot tell (no segment holds the next record, or one is
    /// damaged there), for the caller's full scan to answer or explain.
    func records(
        after position: LogPosition,
        limit: Int,
        durable: LogPosition,
        directory: String,
        fileSystem: any LogFileSystem
    ) -> [LogRecordAt]? {
        var records = [LogRecordAt]()
        var wanted = position + 1
        while records.count < limit, wanted <= durable {
            guard let frames = frames(holding: wanted, directory: directory, fileSystem: fileSystem),
                let first = Self.frameIndex(holding: wanted, in: frames)
            else { return records.isEmpty ? nil : records }
            for frame in frames[first...] {
                guard records.count < limit, frame.firstPosition <= durable else { break }
                // A frame whose checksum passed but which does not decode is the full scan's to
                // report, with the segment named.
                guard let decoded = try? frame.records() else { return records.isEmpty ? nil : records }
                for record in decoded where record.position >= wanted && record.position <= durable {
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
        let now = WriteAheadLog.monotonicMilliseconds()
        let kept = segments.withLock { kept -> [Frame]? in
            guard let index = kept.firstIndex(where: { $0.path == path && $0.end > position }) else { return nil }
            kept[index].used = now
            return kept[index].frames
        }
        if let kept { return kept }
        guard let read = Self.read(path, fileSystem: fileSystem, now: now), read.end > position else { return nil }
        segments.withLock { kept in
            kept.removeAll { $0.path == path }
            kept.append(read)
            if kept.count > Self.keptSegments, let oldest = kept.indices.min(by: { kept[$0].used < kept[$1].used }) { kept.remove(at: oldest) }
        }
        return read.frames
    }

    /// The segment at `path`, read and split into frames up to its end or its first damage;
    /// `nil` when it cannot be read.
    private static func read(_ path: String, fileSystem: any LogFileSystem, now: Int64) -> Segment? {
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
        return Segment(path: path, frames: frames, used: now)
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
