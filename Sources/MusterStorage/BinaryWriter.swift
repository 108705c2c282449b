/// Appends little-endian integers, LEB128 varints and length-prefixed strings to a buffer:
/// the primitive layer of the log and snapshot formats (see `docs/LOG-FORMAT.md`).
///
/// Public, not `package`, for one reason: this toolchain specialises and inlines an
/// `@inlinable` body in another module only when it is public. As `package`, the codecs in
/// `MusterLog` called every primitive as a function, and its generic ones unspecialised
/// (a start from a snapshot is faster public: `Benchmarks/RESULTS.md`).
public struct BinaryWriter {
    public var bytes: [UInt8]

    @inlinable public init(capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    @inlinable public mutating func u8(_ value: UInt8) { bytes.append(value) }

    @inlinable public mutating func u16(_ value: UInt16) {
        bytes.append(UInt8(truncatingIfNeeded: value))
        bytes.append(UInt8(truncatingIfNeeded: value >> 8))
    }

    @inlinable public mutating func u32(_ value: UInt32) {
        for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }

    @inlinable public mutating func u64(_ value: UInt64) {
        for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    /// An unsigned LEB128 varint: 1 byte below 128, at most 10.
    @inlinable public mutating func varint(_ value: UInt64) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    /// A signed value, zig-zag encoded into a varint.
    @inlinable public mutating func signed(_ value: Int64) {
        varint(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    @inlinable public mutating func bool(_ value: Bool) { u8(value ? 1 : 0) }

    @inlinable public mutating func string(_ value: String) {
        var value = value
        value.withUTF8 { utf8 in
            varint(UInt64(utf8.count))
            bytes.append(contentsOf: utf8)
        }
    }

    /// A run of bytes: its length as a varint, then the bytes.
    @inlinable public mutating func byteRun(_ value: [UInt8]) {
        varint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    /// An optional value: a presence byte (0 or 1), then the value when present.
    @inlinable public mutating func optional<Value>(_ value: Value?, _ write: (inout BinaryWriter, Value) -> Void) {
        guard let value else { return u8(0) }
        u8(1)
        write(&self, value)
    }

    @inlinable public mutating func optionalString(_ value: String?) { optional(value) { $0.string($1) } }
}
