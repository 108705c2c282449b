import Dispatch
import MusterDomain
import MusterEngine
import MusterStorage
import Synchronization

/// A part of the log that recovery cut off, and where the cut bytes were kept.
public struct Truncation: Hashable, Sendable, CustomStringConvertible {
    public var segment: String
    public var offset: Int64
    public var length: Int64
    public var reason: String
    /// The copy of the cut bytes (or the moved segment), for forensics.
    public var savedTo: String

    public var description: String {
        "cut \(length) bytes of \(segment) at offset \(offset) (\(reason)); kept in \(savedTo)"
    }
}

/// What a scan of the log found.
public struct LogScan: Sendable {
    /// The records after the requested position, in log order.
    public var records: [LogRecordAt]
    /// Where appending continues.
    public var tail: LogTail
    public var segments: Int
    public var frames: Int
    public var bytes: Int64
    public var truncations: [Truncation]
    /// The position of the first record the log still holds (earlier ones were compacted
    /// into a snapshot), or `nil` for an empty log.
    public var firstPosition: LogPosition?
}

/// Reads the log back at start: checks every frame, cuts a torn tail, refuses mid-log damage.
public enum LogRecovery {
    /// Scans the segments in `configuration.directory`.
    ///
    /// - Parameters:
    ///   - after: decode only records after this position (the snapshot's); earlier frames are
    ///     still checked.
    ///   - truncateCorruption: the operator's explicit choice to cut the log at damage that is
    ///     not a torn tail, losing everything after it; without it such damage stops the start.
    ///   - repair: whether to cut what must be cut; without it (`muster log verify`) the scan
    ///     changes nothing and reports the cuts it would make.
    public static func scan(
        _ configuration: LogConfiguration,
        fileSystem: any LogFileSystem = PosixFileSystem(),
        after: LogPosition = 0,
        truncateCorruption: Bool = false,
        repair: Bool = true,
        limit: Int? = nil
    ) throws(LogError) -> LogScan {
        var records = [LogRecordAt]()
        var scan = try stream(
            configuration,
            fileSystem: fileSystem,
            after: after,
            truncateCorruption: truncateCorruption,
            repair: repair,
            limit: limit
        ) {
            frames throws(LogError) in for frame in frames { records.append(contentsOf: frame) }
        }
        scan.records = records
        return scan
    }

    /// Like ``scan(_:fileSystem:after:truncateCorruption:repair:limit:)``, but hands the
    /// records after `after` to `consume` as it goes — ``framesPerBatch`` frames at a time,
    /// decoded in parallel, each frame's records in their own array (not copied into one) —
    /// instead of returning them, so that recovery never holds the whole log decoded (or even
    /// read). The scan it returns has no records. With `mail` false the facts for emails are
    /// read past, not built: replay applies events and sends nothing. With
    /// `readingEverySegment`, segments wholly before `after` are read and checked too.
    static func stream(
        _ configuration: LogConfiguration,
        fileSystem: any LogFileSystem = PosixFileSystem(),
        after: LogPosition = 0,
        truncateCorruption: Bool = false,
        repair: Bool = true,
        limit: Int? = nil,
        framesPerBatch: Int = framesPerBatch,
        mail: Bool = true,
        readingEverySegment: Bool = false,
        consume: ([[LogRecordAt]]) throws(LogError) -> Void
    ) throws(LogError) -> LogScan {
        let directory = configuration.directory
        if repair {
            do { try fileSystem.createDirectory(directory) } catch { throw .failed("cannot create \(directory): \(error)") }
            if fileSystem.exists(directory + "/spare.wal.tmp") { try? fileSystem.remove(directory + "/spare.wal.tmp") }
        }
        let names: [String]
        do { names = try fileSystem.list(directory).filter(isSegmentName) } catch { throw .failed("cannot list \(directory): \(error)") }

        // The current segment's frames not yet decoded.
        var frames = [Frame]()
        var frameCount = 0
        var expected: LogPosition?
        var truncations = [Truncation]()
        var tail = LogTail(segmentPath: nil, offset: 0, lastPosition: after)
        var totalBytes: Int64 = 0
        var firstPosition: LogPosition?

        // Decodes the frames read so far in parallel and hands their records after `after` on.
        func flush(_ segment: String) throws(LogError) {
            let wanted = frames.filter { $0.firstPosition + LogPosition($0.recordCount) - 1 > after }
            frames = []
            guard !wanted.isEmpty else { return }
            let decoded = Mutex<[Result<[LogRecordAt], LogError>?]>(Array(repeating: nil, count: wanted.count))
            DispatchQueue.concurrentPerform(iterations: wanted.count) { index in
                let result: Result<[LogRecordAt], LogError>
                do throws(LogError) { result = .success(try wanted[index].records(mail: mail)) } catch { result = .failure(error) }
                decoded.withLock { $0[index] = result }
            }
            var records = [[LogRecordAt]]()
            records.reserveCapacity(wanted.count)
            for (index, result) in decoded.withLock({ $0 }).enumerated() {
                switch result! {
                case .success(let frameRecords):
                    // Only a frame the snapshot's position cuts through holds records to drop.
                    let isWhole = (frameRecords.first?.position ?? after + 1) > after
                    records.append(isWhole ? frameRecords : frameRecords.filter { $0.position > after })
                case .failure(let error):
                    throw .corrupt(segment: segment, offset: -1, reason: "frame at position \(wanted[index].firstPosition) does not decode: \(error)")
                }
            }
            try consume(records)
        }

        segments: for (index, name) in names.enumerated() {
            // A segment whose successor starts at or before the first record the state lacks
            // holds nothing to replay: it is not read at all (its checksums are for
            // `muster log verify` to check), so a restart after a snapshot reads only the tail.
            if !readingEverySegment, index + 1 < names.count, let next = LogPosition(names[index + 1].dropLast(4)), next <= after + 1 {
                expected = next
                continue
            }
            let path = directory + "/" + name
            let bytes: [UInt8]
            do { bytes = try fileSystem.read(path) } catch { throw .failed("cannot read \(path): \(error)") }
            let named = LogPosition(name.dropLast(4))!
            if expected == nil { expected = named }
            tail = LogTail(segmentPath: path, offset: 0, lastPosition: max(after, expected! - 1))
            var offset = 0
            while true {
                var damage: String?
                switch Frame.scan(bytes, at: offset) {
                case .end:
                    totalBytes += Int64(offset)
                    try flush(name)
                    // A follower's read wants only so many records: the later segments wait.
                    if let limit, !repair, let expected, expected > after + LogPosition(limit) { break segments }
                    continue segments
                case .frame(let frame, let length):
                    if frame.firstPosition != expected! {
                        damage =
                            frame.firstPosition > expected!
                            ? "positions \(expected!)…\(frame.firstPosition - 1) are missing (a segment was lost or removed): expected position \(expected!), found \(frame.firstPosition)"
                            : "expected position \(expected!), found \(frame.firstPosition)"
                    } else {
                        if firstPosition == nil {
                            // A gap between the state and the log is damage; say so before
                            // handing on anything.
                            guard frame.firstPosition <= after + 1 else {
                                throw .corrupt(
                                    segment: name,
                                    offset: 0,
                                    reason: "the log starts at position \(frame.firstPosition) but the state covers only up to \(after)"
                                )
                            }
                            firstPosition = frame.firstPosition
                        }
                        frames.append(frame)
                        frameCount += 1
                        expected = frame.firstPosition + LogPosition(frame.recordCount)
                        offset += length
                        tail = LogTail(segmentPath: path, offset: Int64(offset), lastPosition: max(after, expected! - 1))
                        // Decoded a few hundred frames at a time, a segment's records are never
                        // all held at once.
                        if frames.count >= framesPerBatch { try flush(name) }
                    }
                case .damaged(let reason):
                    damage = reason
                }
                guard let reason = damage else { continue }
                let isTornTail = index == names.count - 1 && !hasValidFrame(in: bytes, after: offset)
                guard isTornTail || truncateCorruption else {
                    throw .corrupt(segment: name, offset: Int64(offset), reason: reason)
                }
                let why = isTornTail ? "torn tail: \(reason)" : "operator truncation: \(reason)"
                guard repair else {
                    truncations.append(
                        Truncation(
                            segment: name,
                            offset: Int64(offset),
                            length: Int64(bytes.count - offset),
                            reason: why,
                            savedTo: "(not cut: read-only scan)"
                        )
                    )
                    try flush(name)
                    break segments
                }
                truncations.append(
                    try cut(path: path, name: name, bytes: bytes, at: offset, reason: why, fileSystem: fileSystem, directory: directory)
                )
                for later in names[(index + 1)...] {
                    let saved = try keepAside(directory: directory, name: later, fileSystem: fileSystem)
                    truncations.append(Truncation(segment: later, offset: 0, length: -1, reason: "after an operator truncation", savedTo: saved))
                }
                totalBytes += Int64(offset)
                try flush(name)
                break segments
            }
        }

        return LogScan(
            records: [],
            tail: tail,
            segments: names.count,
            frames: frameCount,
            bytes: totalBytes,
            truncations: truncations,
            firstPosition: firstPosition
        )
    }

    /// How many frames recovery decodes (in parallel) before handing their records on.
    static let framesPerBatch = 256

    static func isSegmentName(_ name: String) -> Bool {
        name.count == 24 && name.hasSuffix(".wal") && name.dropLast(4).allSatisfy(\.isNumber)
    }

    /// Whether any whole, valid frame starts after `offset`: if so, the damage is mid-log.
    static func hasValidFrame(in bytes: [UInt8], after offset: Int) -> Bool {
        var index = offset + 1
        while index + Frame.headerLength <= bytes.count {
            if bytes[index] == 0x4D, bytes[index + 1] == 0x53, bytes[index + 2] == 0x54, bytes[index + 3] == 0x52,
                case .frame = Frame.scan(bytes, at: index)
            {
                return true
            }
            index += 1
        }
        return false
    }

    /// Copies the bytes from `offset` to the last non-zero byte aside, then zeroes them in the
    /// segment and syncs it, so appending continues at `offset`.
    private static func cut(
        path: String,
        name: String,
        bytes: [UInt8],
        at offset: Int,
        reason: String,
        fileSystem: any LogFileSystem,
        directory: String
    )
        throws(LogError) -> Truncation
    {
        let end = (bytes.lastIndex { $0 != 0 } ?? (offset - 1)) + 1
        let cutBytes = end > offset ? Array(bytes[offset..<end]) : []
        let tornDirectory = directory + "/torn"
        let saved = tornDirectory + "/\(name)-\(offset).bin"
        do {
            try fileSystem.createDirectory(tornDirectory)
            try fileSystem.writeFile(saved, cutBytes)
            try fileSystem.syncDirectory(tornDirectory)
            let segment = try fileSystem.open(path, create: false)
            if !cutBytes.isEmpty { try segment.write([UInt8](repeating: 0, count: cutBytes.count), at: Int64(offset)) }
            try segment.sync()
            segment.close()
        } catch {
            throw .failed("cannot cut the log at \(name):\(offset): \(error)")
        }
        return Truncation(segment: name, offset: Int64(offset), length: Int64(cutBytes.count), reason: reason, savedTo: saved)
    }

    private static func keepAside(directory: String, name: String, fileSystem: any LogFileSystem) throws(LogError) -> String {
        let saved = directory + "/torn/" + name
        do {
            try fileSystem.createDirectory(directory + "/torn")
            try fileSystem.rename(directory + "/" + name, to: saved)
            // Both ends of the move: the segment must not vanish from the log without being in torn/.
            try fileSystem.syncDirectory(directory + "/torn")
            try fileSystem.syncDirectory(directory)
        } catch {
            throw .failed("cannot move \(name) aside: \(error)")
        }
        return saved
    }
}
