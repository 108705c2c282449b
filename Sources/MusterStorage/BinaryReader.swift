/// Reads what ``BinaryWriter`` wrote, refusing anything truncated or out of range with
/// ``LogError/malformed(_:)`` rather than trapping.
///
/// Public, not `package`, for one reason: this toolchain specialises and inlines an
/// `@inlinable` body in another module only when it is public. As `package`, the codecs in
/// `MusterLog` called every primitive as a function, and its generic ones unspecialised
/// (a start from a snapshot is faster public: `Benchmarks/RESULTS.md`).
public struct BinaryReader {
    @usableFromInline let bytes: [UInt8]
    public var offset: Int
    @usableFromInline let end: Int
    /// The format version the bytes were written in (the frame's or snapshot's header says):
    /// the codecs read what that version wrote. Opaque here: only the codecs read it.
    public let format: UInt16

    /// A reader of `bytes[start..<end]` written in `format`; an `end` past the bytes reads to
    /// their end.
    @inlinable public init(_ bytes: [UInt8], from start: Int = 0, to end: Int? = nil, format: UInt16) {
        self.bytes = bytes
        self.offset = start
        // Every read is checked against `end` alone, so it never lies past the bytes.
        self.end = Swift.min(end ?? bytes.count, bytes.count)
        self.format = format
    }

    @inlinable public var isAtEnd: Bool { offset >= end }
    @inlinable public var remaining: Int { end - offset }

    /// The offset of the next `count` bytes, which this proves lie inside the bytes.
    @inlinable mutating func take(_ count: Int) throws(LogError) -> Int {
        guard count >= 0, offset >= 0, remaining >= count else { throw truncated(needing: count) }
        defer { offset += count }
        return offset
    }

    /// The error of a read past the end, built out of line so that every primitive above
    /// stays small enough to inline.
    @usableFromInline @inline(never)
    func truncated(needing count: Int) -> LogError {
        .malformed("truncated: needed \(count) bytes at \(offset), \(remaining) left")
    }

    @inlinable public mutating func u8() throws(LogError) -> UInt8 { bytes[try take(1)] }

    @inlinable public mutating func u16() throws(LogError) -> UInt16 {
        let at = try take(2)
        return UInt16(bytes[at]) | UInt16(bytes[at + 1]) << 8
    }

    // The fixed-width reads load their bytes at once: `take` has proved them inside the
    // bytes, so checking each of them again (as subscripts do) only costs a start time.

    @inlinable public mutating func u32() throws(LogError) -> UInt32 {
        let at = try take(4)
        return bytes.withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: at, as: UInt32.self)) }
    }

    @inlinable public mutating func u64() throws(LogError) -> UInt64 {
        let at = try take(8)
        return bytes.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(fromByteOffset: at, as: UInt64.self)) }
    }

    /// A LEB128 varint of at most 10 bytes, read within `end` in one pass.
    @inlinable public mutating func varint() throws(LogError) -> UInt64 {
        let start = offset
        guard start >= 0, start < end else { throw truncated(needing: 1) }
        let limit = Swift.min(end, start + 10)
        // (value, the offset after it), or nil when no byte before `limit` ends it.
        let read: (UInt64, Int)? = bytes.withUnsafeBytes { raw in
            var value: UInt64 = 0
            var shift: UInt64 = 0
            var index = start
            while index < limit {
                let byte = raw[index]
                value |= UInt64(byte & 0x7F) << shift
                index += 1
                if byte & 0x80 == 0 { return (value, index) }
                shift += 7
            }
            return nil
        }
        guard let (value, next) = read else {
            if limit - start == 10 { throw .malformed("varint longer than 10 bytes at \(start)") }
            offset = limit
            throw truncated(needing: 1)
        }
        offset = next
        return value
    }

    @inlinable public mutating func count(limit: Int = 1 << 24) throws(LogError) -> Int {
        let value = try varint()
        guard value <= UInt64(limit) else { throw .malformed("count \(value) over the limit \(limit)") }
        return Int(value)
    }

    @inlinable public mutating func signed() throws(LogError) -> Int64 {
        let raw = try varint()
        return Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))
    }

    @inlinable public mutating func bool() throws(LogError) -> Bool {
        switch try u8() {
        case 0: return false
        case 1: return true
        case let other: throw .malformed("boolean byte \(other)")
        }
    }

    @inlinable public mutating func string() throws(LogError) -> String {
        let length = try count(limit: 1 << 20)
        let at = try take(length)
        // From the buffer, not a slice of the array: a slice holds the array, and retaining and
        // releasing the one array every decoding thread reads made each string's cost a
        // contended atomic on a shared cache line.
        return bytes.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[at..<(at + length)]), as: UTF8.self) }
    }

    /// Reads past a string without building it.
    @inlinable public mutating func skipString() throws(LogError) {
        _ = try take(try count(limit: 1 << 20))
    }

    /// A run of bytes written by ``BinaryWriter/byteRun(_:)``: its length, then the bytes.
    @inlinable public mutating func byteRun(limit: Int = 1 << 26) throws(LogError) -> [UInt8] {
        let length = try count(limit: limit)
        let at = try take(length)
        return Array(bytes[at..<(at + length)])
    }

    @inlinable public mutating func optionalString() throws(LogError) -> String? {
        try bool() ? try string() : nil
    }

    /// A one-byte enum case, refused when no case has that raw value.
    @inlinable public mutating func enumeration<Value: RawRepresentable>(
        _: Value.Type = Value.self
    ) throws(LogError) -> Value where Value.RawValue == UInt8 {
        let raw = try u8()
        guard let value = Value(rawValue: raw) else { throw .malformed("unknown \(Value.self) \(raw)") }
        return value
    }
}
