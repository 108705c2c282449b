import Testing

@testable import MusterDomain

/// Numbers and times as answers write them, byte by byte.
@Suite("Numbers and times as text")
struct DecimalTextTests {
    @Test(
        "A number is written in decimal with its sign and leading zeros up to the width asked for",
        arguments: [
            (Int64(0), 1, "0"), (7, 3, "007"), (-42, 1, "-42"), (-42, 4, "-0042"), (123_456, 2, "123456"),
            (Int64.max, 1, "9223372036854775807"), (Int64.min, 1, "-9223372036854775808"), (5, 25, String(repeating: "0", count: 24) + "5"),
        ]
    )
    func decimal(value: Int64, digits: Int, expected: String) {
        var bytes: [UInt8] = [UInt8(ascii: "x")]
        bytes.appendDecimal(value, minimumDigits: digits)
        #expect(bytes == [UInt8(ascii: "x")] + Array(expected.utf8), "appends after what is there")
    }

    @Test("The largest unsigned number has all twenty digits")
    func largestUnsigned() {
        var bytes = [UInt8]()
        bytes.appendDecimal(UInt64.max)
        #expect(String(decoding: bytes, as: UTF8.self) == String(UInt64.max))
    }

    @Test(
        "Times are ISO 8601 in UTC with milliseconds, at the edges of the four-digit years too",
        arguments: [
            (Int64(0), "1970-01-01T00:00:00.000Z"), (-1, "1969-12-31T23:59:59.999Z"), (951_782_400_000, "2000-02-29T00:00:00.000Z"),
            (253_402_300_799_999, "9999-12-31T23:59:59.999Z"), (253_402_300_800_000, "10000-01-01T00:00:00.000Z"),
            (-62_167_219_200_000, "0000-01-01T00:00:00.000Z"), (1_796_117_400_123, "2026-12-01T09:30:00.123Z"),
        ]
    )
    func iso8601(milliseconds: Int64, expected: String) {
        #expect(Timestamp(millisecondsSinceEpoch: milliseconds).iso8601 == expected)
    }

    @Test("Every time from the year 1 to 9999 reads back as itself (the parser takes no year 0)")
    func iso8601RoundTrips() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<5_000 {
            let time = Timestamp(millisecondsSinceEpoch: Int64.random(in: -62_135_596_800_000...253_402_300_799_999, using: &generator))
            #expect(Timestamp(iso8601: time.iso8601) == time, "\(time.millisecondsSinceEpoch)")
        }
    }
}
