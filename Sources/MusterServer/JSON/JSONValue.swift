import HTTPTypes

/// A parsed JSON document, kept as a tree so that a request body can be checked field by field:
/// unknown fields, missing fields and wrong types each get a message that names the field.
enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// Parses `bytes` with ``JSONParser``, or refuses with a problem that says where and why the
    /// body is not JSON.
    static func parse(_ bytes: UnsafeRawBufferPointer) throws(Problem) -> JSONValue {
        do {
            return try JSONParser.parse(bytes)
        } catch {
            throw Problem(.badRequest, code: "malformed_json", "the request body is not valid JSON: \(error.reason) (at byte \(error.offset))")
        }
    }

    /// Parses the bytes of a collection (a copy when they are not contiguous).
    static func parse(_ bytes: some Collection<UInt8>) throws(Problem) -> JSONValue {
        let contiguous = Array(bytes)
        let result = contiguous.withUnsafeBytes { raw in Result { () throws(Problem) in try parse(raw) } }
        return try result.get()
    }

    /// What the value is, in the words a message uses.
    var kindName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}
