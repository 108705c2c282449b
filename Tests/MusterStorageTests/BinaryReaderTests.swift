import Testing

@testable import MusterStorage

/// The reader's primitives read back what the writer wrote, and refuse bytes that end too soon
/// or run too long with an error, never a read past the bytes or a trap.
@Suite struct BinaryReaderTests {
    private static func reader(_ bytes: [UInt8], from start: Int = 0, to end: Int? = nil) -> BinaryReader {
        BinaryReader(bytes, from: start, to: end, format: 0)
    }

    @Test(arguments: [0, 1, 127, 128, 300, 16_383, 16_384, 1 << 35, UInt64(Int64.max), UInt64.max])
    func everyVarintReadsBackAsWrittenAndEndsWhereItsLastByteDoes(value: UInt64) throws {
        var writer = BinaryWriter()
        writer.varint(value)
        writer.u8(0xAB)
        var reader = Self.reader(writer.bytes)
        #expect(try reader.varint() == value)
        #expect(try reader.u8() == 0xAB)
        #expect(reader.isAtEnd)
    }

    @Test func fixedWidthNumbersReadBackLittleEndianAtAnyAlignment() throws {
        for padding in 0..<8 {
            var writer = BinaryWriter()
            for _ in 0..<padding { writer.u8(0xEE) }
            writer.u16(0xBEEF)
            writer.u32(0xDEAD_BEEF)
            writer.u64(0x0123_4567_89AB_CDEF)
            var reader = Self.reader(writer.bytes, from: padding)
            #expect(try reader.u16() == 0xBEEF)
            #expect(try reader.u32() == 0xDEAD_BEEF)
            #expect(try reader.u64() == 0x0123_4567_89AB_CDEF)
            #expect(reader.isAtEnd)
        }
    }

    @Test func aVarintOfElevenBytesIsRefusedAsTooLong() {
        var reader = Self.reader(Array(repeating: 0x80, count: 10) + [0x01])
        #expect {
            _ = try reader.varint()
        } throws: { error in
            "\(error)".contains("longer than 10 bytes")
        }
    }

    @Test(arguments: [[0x80], [0xFF, 0xFF], Array(repeating: 0x81, count: 9)] as [[UInt8]])
    func aVarintCutShortIsRefusedAsTruncated(bytes: [UInt8]) {
        var reader = Self.reader(bytes)
        #expect {
            _ = try reader.varint()
        } throws: { error in
            "\(error)".contains("truncated")
        }
    }

    @Test func aVarintEndsAtTheReadersEndEvenWhenTheBytesGoOn() {
        // The bytes after `end` would finish the varint: the reader must not look at them.
        var reader = Self.reader([0x80, 0x80, 0x01], to: 2)
        #expect(throws: LogError.self) { try reader.varint() }
    }

    @Test func numbersCutShortAreRefusedAndNothingPastTheEndIsRead() {
        for count in 0..<8 {
            var reader = Self.reader(Array(repeating: 0xFF, count: count))
            #expect(throws: LogError.self) { try reader.u64() }
            var short = Self.reader(Array(repeating: 0xFF, count: 16), to: count)
            #expect(throws: LogError.self) { try short.u64() }
        }
        for count in 0..<4 {
            var reader = Self.reader(Array(repeating: 0xFF, count: count))
            #expect(throws: LogError.self) { try reader.u32() }
        }
    }

    @Test func anEndPastTheBytesReadsOnlyToTheirEnd() throws {
        var reader = Self.reader([1, 2, 3, 4], to: 1_000)
        #expect(reader.remaining == 4)
        #expect(try reader.u32() == 0x0403_0201)
        #expect(throws: LogError.self) { try reader.u8() }
    }

    @Test func aNegativeOffsetIsRefusedNotRead() {
        var reader = Self.reader([1, 2, 3, 4, 5, 6, 7, 8, 9])
        reader.offset = -4
        #expect(throws: LogError.self) { try reader.u64() }
        #expect(throws: LogError.self) { try reader.varint() }
        #expect(throws: LogError.self) { try reader.u8() }
    }
}
