/// Reads what ``BinaryWriter`` wrote, refusing anything truncated or out of range with
/// ``LogError/malformed(_:)`` rather than trapping.
package struct BinaryReader {
    @usableFromInline let bytes: [UInt8]
    package var offset: Int
    @usableFromInline let end: Int
    /// The format version the bytes were written in (the frame's or snapshot's header says):
    /// the codecs read what that version wrote. Opaque here: only the codecs read it.
    package let format: UInt16

    /// A reader of `bytes[start..<end]` written in `format`.
    @inlinable package init(_ bytes: [UInt8], from start: Int = 0, to end: Int? = nil, format: UInt16) {
        self.bytes = bytes
        self.offset = start
        self.end = end ?? bytes.count
        self.format = format
    }

    @inlinable package var isAtEnd: Bool { offset >= end }
    @inlinable package var remaining: Int { end - offset }

    @inlinable mutating func take(_ count: Int) throws(LogError) -> Int {
        guard count >= 0, remaining >= count else { throw .malformed("truncated: needed \(count) bytes at \(offset), \(remaining) left") }
        defer { offset += count }
        return offset
    }

    @inlinable package mutating func u8() throws(LogError) -> UInt8 { bytes[try take(1)] }

    @inlinable package mutating func u16() throws(LogError) -> UInt16 {
        let at = try take(2)
        return UInt16(bytes[at]) | UInt16(bytes[at + 1]) << 8
    }

    @inlinable package mutating func u32() throws(LogError) -> UInt32 {
        let at = try take(4)
        var value: UInt32 = 0
        for index in 0..<4 { value |= UInt32(bytes[at + index]) << UInt32(index * 8) }
        return value
    }

    @inlinable package mutating func u64() throws(LogError) -> UInt64 {
        let at = try take(8)
        var value: UInt64 = 0
        for index in 0..<8 { value |= UInt64(bytes[at + index]) << UInt64(index * 8) }
        return value
    }

    @inlinable package mutating func varint() throws(LogError) -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let byte = try u8()
            guard shift < 64 else { throw .malformed("varint longer than 10 bytes at \(offset)") }
            value |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return value }
            shift += 7
        }
    }

    @inlinable package mutating func count(limit: Int = 1 << 24) throws(LogError) -> Int {
        let value = try varint()
        guard value <= UInt64(limit) else { throw .malformed("count \(value) over the limit \(limit)") }
        return Int(value)
    }

    @inlinable package mutating func signed() throws(LogError) -> Int64 {
        let raw = try varint()
        return Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))
    }

    @inlinable package mutating func bool() throws(LogError) -> Bool {
        switch try u8() {
        case 0: return false
        case 1: return true
        case let other: throw .malformed("boolean byte \(other)")
        }
    }

    @inlinable package mutating func string() throws(LogError) -> String {
        let length = try count(limit: 1 << 20)
        let at = try take(length)
        return String(decoding: bytes[at..<(at + length)], as: UTF8.self)
    }

    /// Reads past a string without building it.
    @inlinable package mutating func skipString() throws(LogError) {
        _ = try take(try count(limit: 1 << 20))
    }

    /// A run of bytes written by ``BinaryWriter/byteRun(_:)``: its length, then the bytes.
    @inlinable package mutating func byteRun(limit: Int = 1 << 26) throws(LogError) -> [UInt8] {
        let length = try count(limit: limit)
        let at = try take(length)
        return Array(bytes[at..<(at + length)])
    }

    @inlinable package mutating func optionalString() throws(LogError) -> String? {
        try bool() ? try string() : nil
    }

    /// A one-byte enum case, refused when no case has that raw value.
    @inlinable package mutating func enumeration<Value: RawRepresentable>(
        _: Value.Type = Value.self
    ) throws(LogError) -> Value where Value.RawValue == UInt8 {
        let raw = try u8()
        guard let value = Value(rawValue: raw) else { throw .malformed("unknown \(Value.self) \(raw)") }
        return value
    }
}
