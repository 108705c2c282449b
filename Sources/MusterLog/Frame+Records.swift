import MusterEngine
import MusterStorage

extension Frame {
    /// Reads the frame at `offset` of `bytes`, in any format version this build reads.
    static func scan(_ bytes: [UInt8], at offset: Int) -> Scan {
        scan(bytes, at: offset, accepting: EventCodec.readableVersions)
    }

    /// One batch of encoded records as a frame's bytes in this version's format: what a
    /// segment holds, and what a replicated backend stores as one row.
    package static func encode(batch: [[UInt8]], firstPosition: LogPosition, level: Int32 = 1) -> [UInt8] {
        encode(batch: batch, firstPosition: firstPosition, version: EventCodec.version, level: level)
    }

    /// Splits the payload into its records, decoded; with `mail` false, without the facts for
    /// their emails (recovery sends none).
    func records(mail: Bool = true) throws(LogError) -> [LogRecordAt] {
        let payload = try inflatedPayload()
        var reader = BinaryReader(payload, format: version)
        var records = [LogRecordAt]()
        records.reserveCapacity(Int(recordCount))
        var position = firstPosition
        while !reader.isAtEnd {
            let length = try reader.count(limit: 1 << 26)
            let start = reader.offset
            var recordReader = BinaryReader(payload, from: start, to: start + length, format: version)
            guard length <= reader.remaining else { throw .malformed("record at position \(position) runs past its frame") }
            let decoded = try EventCodec.decodeMarkedRecord(&recordReader, mail: mail)
            records.append(LogRecordAt(position: position, record: decoded.record, mark: decoded.mark, mail: decoded.mail))
            guard recordReader.isAtEnd else { throw .malformed("record at position \(position) has trailing bytes") }
            reader = BinaryReader(payload, from: start + length, format: version)
            position += 1
        }
        guard records.count == Int(recordCount) else {
            throw .malformed("frame at \(firstPosition) holds \(records.count) records, its header says \(recordCount)")
        }
        return records
    }

    /// The records of one frame's bytes, every checksum checked.
    package static func decodeRecords(_ bytes: [UInt8]) throws(LogError) -> [LogRecordAt] {
        switch scan(bytes, at: 0) {
        case .frame(let frame, let length):
            guard length == bytes.count else { throw .malformed("\(bytes.count - length) bytes after the frame") }
            return try frame.records()
        case .end: throw .malformed("an empty frame")
        case .damaged(let reason): throw .malformed(reason)
        }
    }
}

/// A decoded record and its log position.
public typealias LogRecordAt = DurableRecord
