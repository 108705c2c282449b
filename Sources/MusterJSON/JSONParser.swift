/// A strict JSON parser (RFC 8259) that reads a request body once, straight from its bytes,
/// into a ``JSONValue``: no `Data` copy, no `Decoder`, no trial decoding of each value as every
/// type in turn.
///
/// It is stricter than most: a key that appears twice in one object, text that is not UTF-8,
/// a lone surrogate escape, a control character inside a string and anything after the value
/// are all refused, so a body never means one thing here and another to a proxy or a log
/// reader that keeps the first of two keys. Keys are compared as Swift compares strings:
/// two canonically equivalent spellings of one key are the same key, and the second is refused.
/// Nesting is limited to ``maximumDepth`` levels, so a hostile body cannot exhaust the stack.
package struct JSONParser {
    /// Why a body is not JSON, with the byte offset where reading stopped.
    package struct Failure: Error, Equatable {
        package var offset: Int
        package var reason: String
    }

    /// The deepest nesting of arrays and objects accepted.
    package static let maximumDepth = 64

    private let bytes: UnsafeRawBufferPointer
    private var index = 0
    private var depth = 0

    private init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    /// Parses one JSON document that fills `bytes` (white space around it allowed).
    package static func parse(_ bytes: UnsafeRawBufferPointer) throws(Failure) -> JSONValue {
        var parser = JSONParser(bytes)
        parser.skipWhitespace()
        let value = try parser.value()
        parser.skipWhitespace()
        guard parser.index == bytes.count else { throw parser.failure("unexpected text after the JSON value") }
        return value
    }

    // MARK: Values

    private mutating func value() throws(Failure) -> JSONValue {
        guard let byte = peek() else { throw failure("the body ends where a value should start") }
        switch byte {
        case UInt8(ascii: "{"): return try object()
        case UInt8(ascii: "["): return try array()
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"):
            try literal("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try literal("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try literal("null")
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
        default: throw failure("unexpected character where a value should start")
        }
    }

    private mutating func object() throws(Failure) -> JSONValue {
        try enter()
        index += 1
        var fields: [String: JSONValue] = [:]
        skipWhitespace()
        if peek() == UInt8(ascii: "}") {
            leave()
            return .object(fields)
        }
        while true {
            skipWhitespace()
            guard peek() == UInt8(ascii: "\"") else { throw failure("an object's key must be a string") }
            let keyOffset = index
            let key = try string()
            skipWhitespace()
            guard peek() == UInt8(ascii: ":") else { throw failure("expected `:` after an object's key") }
            index += 1
            skipWhitespace()
            let value = try value()
            guard fields.updateValue(value, forKey: key) == nil else {
                throw Failure(offset: keyOffset, reason: "the key \"\(key)\" appears twice in one object")
            }
            skipWhitespace()
            switch peek() {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "}"):
                leave()
                return .object(fields)
            default: throw failure("expected `,` or `}` in an object")
            }
        }
    }

    private mutating func array() throws(Failure) -> JSONValue {
        try enter()
        index += 1
        var items: [JSONValue] = []
        skipWhitespace()
        if peek() == UInt8(ascii: "]") {
            leave()
            return .array(items)
        }
        while true {
            skipWhitespace()
            items.append(try value())
            skipWhitespace()
            switch peek() {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "]"):
                leave()
                return .array(items)
            default: throw failure("expected `,` or `]` in an array")
            }
        }
    }

    private mutating func enter() throws(Failure) {
        depth += 1
        guard depth <= Self.maximumDepth else { throw failure("nested more than \(Self.maximumDepth) levels deep") }
    }

    /// Steps past the closing bracket of the container `enter()` opened.
    private mutating func leave() {
        index += 1
        depth -= 1
    }

    private mutating func literal(_ word: StaticString) throws(Failure) {
        let count = word.utf8CodeUnitCount
        guard bytes.count - index >= count else { throw failure("unexpected end of the body") }
        for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] {
            throw failure("unexpected character where a value should start")
        }
        index += count
    }

    // MARK: Strings

    /// A string, its opening quote at `index`. Runs without escapes are copied in one piece and
    /// checked as UTF-8 by the standard library.
    private mutating func string() throws(Failure) -> String {
        index += 1
        var start = index
        // The text decoded so far when the string has escapes; empty while it has none, since
        // every escape appends at least one byte.
        var utf8: [UInt8] = []
        while true {
            guard index < bytes.count else { throw failure("a string is not closed") }
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                if utf8.isEmpty {
                    let text = try validated(start..<index)
                    index += 1
                    return text
                }
                utf8.append(contentsOf: bytes[start..<index])
                index += 1
                guard let text = String(validating: utf8, as: UTF8.self) else { throw failure("a string is not valid UTF-8") }
                return text
            case UInt8(ascii: "\\"):
                utf8.append(contentsOf: bytes[start..<index])
                try escape(into: &utf8)
                start = index
            case 0..<0x20:
                throw failure("a control character must be escaped inside a string")
            default:
                index += 1
            }
        }
    }

    private func validated(_ range: Range<Int>) throws(Failure) -> String {
        guard let text = String(validating: UnsafeRawBufferPointer(rebasing: bytes[range]), as: UTF8.self) else {
            throw Failure(offset: range.lowerBound, reason: "a string is not valid UTF-8")
        }
        return text
    }

    /// One escape sequence, its backslash at `index`, appended as UTF-8.
    private mutating func escape(into utf8: inout [UInt8]) throws(Failure) {
        index += 1
        guard index < bytes.count else { throw failure("a string is not closed") }
        let byte = bytes[index]
        index += 1
        switch byte {
        case UInt8(ascii: "\""): utf8.append(0x22)
        case UInt8(ascii: "\\"): utf8.append(0x5C)
        case UInt8(ascii: "/"): utf8.append(0x2F)
        case UInt8(ascii: "b"): utf8.append(0x08)
        case UInt8(ascii: "f"): utf8.append(0x0C)
        case UInt8(ascii: "n"): utf8.append(0x0A)
        case UInt8(ascii: "r"): utf8.append(0x0D)
        case UInt8(ascii: "t"): utf8.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try hexQuad()
            if (0xD800...0xDBFF).contains(scalar) {
                guard bytes.count - index >= 2, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                    throw failure("a \\u escape of a high surrogate must be followed by its low surrogate")
                }
                index += 2
                let low = try hexQuad()
                guard (0xDC00...0xDFFF).contains(low) else { throw failure("a \\u escape of a high surrogate must be followed by its low surrogate") }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00...0xDFFF).contains(scalar) {
                throw failure("a \\u escape of a low surrogate has no high surrogate before it")
            }
            utf8.append(contentsOf: Unicode.UTF8.encode(Unicode.Scalar(scalar)!)!)
        default:
            index -= 1
            throw failure("unknown escape sequence in a string")
        }
    }

    private mutating func hexQuad() throws(Failure) -> UInt32 {
        guard bytes.count - index >= 4 else { throw failure("a \\u escape needs four hex digits") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw failure("a \\u escape needs four hex digits")
            }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        return value
    }

    // MARK: Numbers

    /// A number in JSON's grammar: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    private mutating func number() throws(Failure) -> Double {
        let start = index
        if peek() == UInt8(ascii: "-") { index += 1 }
        guard let first = peek(), isDigit(first) else { throw failure("a number needs a digit after its sign") }
        if first == UInt8(ascii: "0") { index += 1 } else { skipDigits() }
        if peek() == UInt8(ascii: ".") {
            index += 1
            guard let digit = peek(), isDigit(digit) else { throw failure("a number needs a digit after its decimal point") }
            skipDigits()
        }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            index += 1
            if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { index += 1 }
            guard let digit = peek(), isDigit(digit) else { throw failure("a number needs a digit in its exponent") }
            skipDigits()
        }
        // The grammar is checked above, so the text is ASCII and Double's parser takes all of it.
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        guard let value = Double(text), value.isFinite else { throw Failure(offset: start, reason: "a number is too large") }
        return value
    }

    private mutating func skipDigits() {
        while let byte = peek(), isDigit(byte) { index += 1 }
    }

    private func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    // MARK: Reading

    private func peek() -> UInt8? {
        index < bytes.count ? bytes[index] : nil
    }

    private mutating func skipWhitespace() {
        while let byte = peek(), byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { index += 1 }
    }

    private func failure(_ reason: String) -> Failure {
        Failure(offset: index, reason: reason)
    }
}
