import Hummingbird
import MusterDomain

/// The fields of `application/x-www-form-urlencoded` text: what a page's form posts, and what
/// a URL's query string holds — a browser's GET form sends its fields there the same way, `+`
/// for a space. The API and the pages read every query through it, so `?q=Riverside+Housing`
/// and `?q=Riverside%20Housing` are the same question everywhere.
package struct FormFields: Sendable {
    private var values: [String: [String]] = [:]
    /// The names in the order they first appear.
    package private(set) var names: [String] = []

    /// Decodes `body`; a field that appears twice keeps both values, in order.
    init(_ body: [UInt8]) {
        for pair in body.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let parts = pair.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
            let name = Self.decode(parts[0])
            let value = parts.count > 1 ? Self.decode(parts[1]) : ""
            if values[name] == nil { names.append(name) }
            values[name, default: []].append(value)
        }
    }

    /// Decodes a URL's query string (the part after `?`, as sent); no query has no fields.
    package init(query: String?) {
        self.init(Array((query ?? "").utf8))
    }

    /// The field's first value, trimmed; `nil` when absent or empty.
    subscript(_ name: String) -> String? {
        guard let value = values[name]?.first?.trimmingWhitespace(), !value.isEmpty else { return nil }
        return value
    }

    /// The field's first value as sent (decoded, not trimmed); `nil` when absent.
    package func value(_ name: String) -> String? { values[name]?.first }

    /// Every value of a field (checkboxes).
    func all(_ name: String) -> [String] { values[name] ?? [] }

    /// Percent-decoding with `+` as a space; a malformed escape is kept as it is.
    private static func decode(_ bytes: ArraySlice<UInt8>) -> String {
        var out = [UInt8]()
        out.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte == UInt8(ascii: "+") {
                out.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%"), index + 2 < bytes.endIndex, let high = hex(bytes[index + 1]), let low = hex(bytes[index + 2]) {
                out.append(high << 4 | low)
                index += 2
            } else {
                out.append(byte)
            }
            index += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func hex(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

extension Request {
    /// The query string's parameters, decoded as a browser's form sends them: percent escapes,
    /// and `+` as a space. Hummingbird's own `uri.queryParameters` keeps a `+` as it is.
    package var queryFields: FormFields { FormFields(query: uri.query) }
}
