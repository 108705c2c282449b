import Foundation
import MusterDomain
import Testing

@testable import MusterJSON

/// Answers written straight to bytes read back as the JSON they mean.
@Suite("Answers written straight to bytes")
struct JSONWriterTests {
    private func written(_ body: (inout JSONWriter) -> Void) -> String {
        var writer = JSONWriter()
        body(&writer)
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    @Test("Strings are escaped exactly where JSON needs it, and read back unchanged")
    func stringsRoundTrip() throws {
        for text in ["plain", "", "quote \" and backslash \\", "line\nbreak\r\ttab", "\u{1}\u{1F}", "café 😀", "\u{2028} stays"] {
            let json = written { $0.string(text) }
            #expect(try Array(json.utf8).withUnsafeBytes { try JSONParser.parse($0) } == .string(text), "\(json)")
            #expect(!json.utf8.dropFirst().dropLast().contains { $0 < 0x20 }, "no raw control character in \(json)")
        }
        #expect(written { $0.string("a\u{1}b") } == #""a\u0001b""#)
    }

    @Test("Whole numbers are written digit by digit, at their extremes too")
    func integers() {
        #expect(written { $0.value(0) } == "0")
        #expect(written { $0.value(-5) } == "-5")
        #expect(written { $0.value(1_234_567) } == "1234567")
        #expect(written { $0.value(Int64.min) } == "-9223372036854775808")
        #expect(written { $0.value(UInt64.max) } == "18446744073709551615")
    }

    @Test("Ids and times are written as their text forms, without making strings first")
    func idsAndTimes() throws {
        let id = InvitationID(high: 0x0123_4567_89AB_4DEF, low: 0x8123_4567_89AB_CDEF)
        #expect(written { $0.value(id) } == #""01234567-89ab-4def-8123-456789abcdef""#)
        #expect(id.description == "01234567-89ab-4def-8123-456789abcdef")
        for milliseconds: Int64 in [0, 1_795_305_600_123, 253_402_300_799_999, -1] {
            let time = Timestamp(millisecondsSinceEpoch: milliseconds)
            #expect(written { $0.value(time) } == "\"\(time.iso8601)\"")
        }
        #expect(Timestamp(millisecondsSinceEpoch: 1_795_305_600_123).iso8601 == "2026-11-22T00:00:00.123Z")
        #expect(Timestamp(millisecondsSinceEpoch: 0).iso8601 == "1970-01-01T00:00:00.000Z")
        #expect(Timestamp(millisecondsSinceEpoch: -1).iso8601 == "1969-12-31T23:59:59.999Z")
    }
}
