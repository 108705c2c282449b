/// One batch of records as it sits in a segment: a 32-byte header and a zlib-compressed
/// payload, checksummed together (see `docs/LOG-FORMAT.md`).
///
/// A frame knows records only as runs of bytes: what they encode, and which format versions
/// can be read, is the log's business (`MusterLog` decodes them).
package struct Frame {
    static let magic: UInt32 = 0x5254_534D  // "MSTR" in file order
    /// The length of a frame's header, in bytes.
    package static let headerLength = 32

    /// The log position of the frame's first record; the others follow without gaps.
    package var firstPosition: UInt64
    package var recordCount: UInt32
    /// The format version its records were written in: the writer's, or an older one read
    /// back from a segment.
    package var version: UInt16
    /// The uncompressed payload: each record as a varint length and its encoding.
    package var payload: [UInt8]
    /// For a frame read back from a segment: its payload as stored, inflated only when its
    /// records are decoded — in parallel with other frames', not while the segment is scanned.
    var stored: (bytes: ArraySlice<UInt8>, rawLength: Int)?

    /// A frame of `recordCount` records in `payload`, written in format `version`.
    package init(firstPosition: UInt64, recordCount: UInt32, payload: [UInt8], version: UInt16) {
        self.firstPosition = firstPosition
        self.recordCount = recordCount
        self.payload = payload
        self.version = version
    }

    /// The frame's bytes: header, then the compressed payload.
    package func encoded(level: Int32) -> [UInt8] {
        let stored = Zlib.compress(payload, level: level)
        var header = BinaryWriter(capacity: Self.headerLength + stored.count)
        header.u32(Self.magic)
        header.u16(version)
        header.u16(1)  // flags: bit 0, the payload is zlib-compressed
        header.u64(firstPosition)
        header.u32(recordCount)
        header.u32(UInt32(payload.count))
        header.u32(UInt32(stored.count))
        let crc = Zlib.crc32(stored, continuing: Zlib.crc32(header.bytes))
        header.u32(crc)
        header.bytes.append(contentsOf: stored)
        return header.bytes
    }

    /// What a scan found at one offset of a segment.
    package enum Scan {
        /// A whole, checksummed frame of `length` bytes.
        case frame(Frame, length: Int)
        /// Zeros: the clean end of the written part.
        case end
        /// Bytes that are not a whole, valid frame.
        case damaged(String)
    }

    /// Reads the frame at `offset` of `bytes`; a frame in a format version outside `versions`
    /// is damage.
    package static func scan(_ bytes: [UInt8], at offset: Int, accepting versions: ClosedRange<UInt16>) -> Scan {
        guard bytes.count - offset >= headerLength else {
            return bytes[offset...].allSatisfy { $0 == 0 } ? .end : .damaged("a header cut short")
        }
        var reader = BinaryReader(bytes, from: offset, format: 0)  // the header is the same in every version
        do {
            let magic = try reader.u32()
            if magic == 0 {
                return bytes[offset..<(offset + headerLength)].allSatisfy { $0 == 0 } ? .end : .damaged("a header with no magic")
            }
            guard magic == Self.magic else { return .damaged("bad magic \(magic)") }
            let version = try reader.u16()
            guard versions.contains(version) else { return .damaged("unknown format version \(version)") }
            let flags = try reader.u16()
            let firstPosition = try reader.u64()
            let recordCount = try reader.u32()
            let rawLength = Int(try reader.u32())
            let storedLength = Int(try reader.u32())
            let crc = try reader.u32()
            let payloadStart = offset + headerLength
            guard storedLength <= bytes.count - payloadStart else { return .damaged("a payload cut short") }
            let stored = bytes[payloadStart..<(payloadStart + storedLength)]
            guard Zlib.crc32(stored, continuing: Zlib.crc32(bytes[offset..<(offset + 28)])) == crc else {
                return .damaged("checksum mismatch")
            }
            guard flags == 1 else { return .damaged("unknown flags \(flags)") }
            var frame = Frame(firstPosition: firstPosition, recordCount: recordCount, payload: [], version: version)
            frame.stored = (stored, rawLength)
            return .frame(frame, length: headerLength + storedLength)
        } catch {
            return .damaged("\(error)")
        }
    }

    /// The uncompressed payload: inflated from the stored bytes for a frame read back.
    package func inflatedPayload() throws(LogError) -> [UInt8] {
        try stored.map { stored throws(LogError) in try Zlib.decompress(stored.bytes, expectedLength: stored.rawLength) } ?? payload
    }

    /// The payload's records as they are encoded, in order, without decoding them.
    package func recordBytes() throws(LogError) -> [[UInt8]] {
        let payload = try inflatedPayload()
        var reader = BinaryReader(payload, format: version)
        var records = [[UInt8]]()
        while !reader.isAtEnd {
            let length = try reader.count(limit: 1 << 26)
            guard length <= reader.remaining else { throw .malformed("a record runs past its frame") }
            let start = reader.offset
            records.append(Array(payload[start..<(start + length)]))
            reader = BinaryReader(payload, from: start + length, format: version)
        }
        return records
    }
}

extension Frame {
    /// One batch of encoded records, written in format `version`, as a frame's bytes.
    package static func encode(batch: [[UInt8]], firstPosition: UInt64, version: UInt16, level: Int32 = 1) -> [UInt8] {
        var payload = BinaryWriter(capacity: batch.reduce(0) { $0 + $1.count + 3 })
        for record in batch {
            payload.varint(UInt64(record.count))
            payload.bytes.append(contentsOf: record)
        }
        return Frame(firstPosition: firstPosition, recordCount: UInt32(batch.count), payload: payload.bytes, version: version).encoded(level: level)
    }
}
