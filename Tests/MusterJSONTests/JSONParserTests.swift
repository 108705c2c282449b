import Foundation
import Testing

@testable import MusterJSON

/// The request-body parser: every valid document read as JSON means it, every invalid one
/// refused with where and why.
@Suite("Request bodies parsed straight from their bytes")
struct JSONParserTests {
    private func parse(_ text: String) throws(JSONParser.Failure) -> JSONValue {
        try parse(Array(text.utf8))
    }

    private func parse(_ bytes: [UInt8]) throws(JSONParser.Failure) -> JSONValue {
        try bytes.withUnsafeBytes { raw in Result { () throws(JSONParser.Failure) in try JSONParser.parse(raw) } }.get()
    }

    @Test(
        "Valid documents are read exactly",
        arguments: [
            (#"{}"#, JSONValue.object([:])),
            (#" { "a" : 1 , "b":[true,false,null] } "#, .object(["a": .number(1), "b": .array([.bool(true), .bool(false), .null])])),
            (#"[]"#, .array([])),
            (#""plain""#, .string("plain")),
            (#""\"\\\/\b\f\n\r\t""#, .string("\"\\/\u{8}\u{c}\n\r\t")),
            (#""\u00e9\u0041""#, .string("éA")),
            (#""\ud83d\ude00 smile""#, .string("😀 smile")),
            ("\"caf\u{e9} \u{1F600}\"", .string("café 😀")),
            (#"-0"#, .number(-0.0)),
            (#"[0, -12, 3.25, 1e3, 2E-2, -1.5e+2]"#, .array([.number(0), .number(-12), .number(3.25), .number(1000), .number(0.02), .number(-150)])),
            (
                #"{"nested": {"deeper": {"items": [{"k": "v"}]}}}"#,
                .object(["nested": .object(["deeper": .object(["items": .array([.object(["k": .string("v")])])])])])
            ),
        ]
    )
    func validDocumentsAreReadExactly(_ text: String, _ expected: JSONValue) throws {
        #expect(try parse(text) == expected)
    }

    @Test(
        "Invalid documents are refused with the reason and the place",
        arguments: [
            ("", "ends where a value should start"),
            ("   ", "ends where a value should start"),
            (#"{"a": 1"#, "expected `,` or `}`"),
            (#"{"a": 1,}"#, "key must be a string"),
            (#"[1, 2,]"#, "unexpected character"),
            (#"[1 2]"#, "expected `,` or `]`"),
            (#"{"a" 1}"#, "expected `:`"),
            (#"{a: 1}"#, "key must be a string"),
            (#"{"a": 1} {"#, "unexpected text after"),
            (#"{"a": 1, "a": 2}"#, "appears twice"),
            (#""unterminated"#, "not closed"),
            ("\"tab\there\"", "control character"),
            (#""\x41""#, "unknown escape"),
            (#""\u12""#, "four hex digits"),
            (#""\ud83d""#, "followed by its low surrogate"),
            (#""\ud83d\u0041""#, "followed by its low surrogate"),
            (#""\ude00""#, "no high surrogate"),
            (#"01"#, "unexpected text after"),
            (#"-"#, "digit after its sign"),
            (#"1."#, "digit after its decimal point"),
            (#"1e"#, "digit in its exponent"),
            (#"1e999"#, "too large"),
            (#"+1"#, "unexpected character"),
            (#"NaN"#, "unexpected character"),
            (#"tru"#, "unexpected end"),
            (#"nul!"#, "unexpected character"),
            (#"'single'"#, "unexpected character"),
        ]
    )
    func invalidDocumentsAreRefused(_ text: String, _ reason: String) {
        #expect {
            _ = try parse(text)
        } throws: { error in
            (error as? JSONParser.Failure)?.reason.contains(reason) == true
        }
    }

    @Test("Bytes that are not UTF-8 inside a string are refused, escaped or not")
    func invalidUTF8IsRefused() {
        for bytes: [UInt8] in [[0x22, 0xC3, 0x28, 0x22], [0x22, 0x5C, 0x6E, 0xFF, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22]] {
            #expect(throws: JSONParser.Failure.self) { try parse(bytes) }
        }
    }

    @Test("Nesting deeper than the limit is refused instead of exhausting the stack")
    func deepNestingIsRefused() throws {
        let deepest = String(repeating: "[", count: JSONParser.maximumDepth) + String(repeating: "]", count: JSONParser.maximumDepth)
        _ = try parse(deepest)
        let tooDeep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect {
            _ = try parse(tooDeep)
        } throws: { error in
            (error as? JSONParser.Failure)?.reason.contains("nested more than") == true
        }
    }

    @Test("Whatever the system's JSON reader accepts as an object, the parser reads the same")
    func agreesWithFoundation() throws {
        let documents = [
            #"{"email": "ann@example.org", "role": "org_admin", "method": "email"}"#,
            #"{"items": [{"email": "a@b.c", "role": "viewer"}, {"email": "d@e.f", "role": "caseworker"}]}"#,
            #"{"mode": "reference_only", "contact": {"phone": "+44 20 7946 0000", "email": null}, "n": 12.5}"#,
            #"{"text": "line\nbreak \u2028 and \"quotes\"", "empty": "", "zero": 0}"#,
        ]
        for document in documents {
            let foundation = try JSONSerialization.jsonObject(with: Data(document.utf8))
            #expect(try parse(document) == Self.value(foundation), "\(document)")
        }
    }

    /// Foundation's tree as a ``JSONValue`` (the documents above hold no booleans, which
    /// Foundation does not tell apart from numbers on every platform).
    private static func value(_ any: Any) -> JSONValue {
        switch any {
        case is NSNull: return .null
        case let number as NSNumber: return .number(number.doubleValue)
        case let text as String: return .string(text)
        case let items as [Any]: return .array(items.map(value))
        case let fields as [String: Any]: return .object(fields.mapValues(value))
        default: return .null
        }
    }
}
