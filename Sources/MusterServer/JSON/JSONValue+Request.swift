import HTTPTypes
import MusterJSON

extension JSONValue {
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
}
