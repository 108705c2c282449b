import HTTPTypes
import Hummingbird
import MusterDomain
import MusterJSON
import MusterWeb
import NIOCore

extension Request {
    /// The body as JSON fields, refusing a body over the context's size limit (413), a body that
    /// is not JSON (415 or 400) and a body that is not one object (422).
    mutating func fields(context: some RequestContext) async throws -> RequestFields {
        try RequestFields(try await json(context: context))
    }

    /// The body's fields, or `nil` for an empty body: for calls whose fields are all optional.
    mutating func optionalFields(context: some RequestContext) async throws -> RequestFields? {
        let value = try await json(context: context, allowEmpty: true)
        return try value.map { value throws(Problem) in try RequestFields(value) }
    }

    /// Refuses any field in the body of a call that takes none (an empty body or `{}` is fine).
    mutating func expectNoFields(context: some RequestContext) async throws {
        if let fields = try await optionalFields(context: context) { try fields.finish() }
    }

    /// The body as a JSON value, with the same refusals as ``fields(context:)``.
    mutating func json(context: some RequestContext) async throws -> JSONValue {
        guard let value = try await json(context: context, allowEmpty: false) else { throw Problem.badRequest("this call needs a JSON body") }
        return value
    }

    private mutating func json(context: some RequestContext, allowEmpty: Bool) async throws -> JSONValue? {
        if let type = headers[.contentType], !type.lowercased().hasPrefix("application/json"), !type.lowercased().contains("+json") {
            throw Problem(.unsupportedMediaType, code: "unsupported_media_type", "send the body as application/json, not \(type)")
        }
        let buffer = try await collectBody(within: context)
        guard buffer.readableBytes > 0 else {
            if allowEmpty { return nil }
            throw Problem.badRequest("this call needs a JSON body")
        }
        return try buffer.withUnsafeReadableBytes { raw throws(Problem) in try JSONValue.parse(raw) }
    }

    /// The whole body, or 413 when it is larger than the context's limit. The body stays
    /// readable: later calls get the same bytes.
    mutating func collectBody(within context: some RequestContext) async throws -> ByteBuffer {
        do {
            return try await collectBody(upTo: context.maxUploadSize)
        } catch is NIOTooManyBytesError {
            throw Problem(.contentTooLarge, code: "body_too_large", "the request body is larger than the limit of \(context.maxUploadSize) bytes")
        }
    }

    /// The `limit` and `cursor` query parameters of a list, checked: limit 1…1000 (default 100),
    /// cursor an opaque string this server issued.
    func pageQuery() throws(Problem) -> (cursor: UInt64?, limit: Int) {
        let query = queryFields
        var limit = 100
        if let text = query.value("limit") {
            guard let value = Int(text), (1...1000).contains(value) else {
                throw Problem.badRequest("`limit` must be a whole number from 1 to 1000; got \"\(text)\"")
            }
            limit = value
        }
        var cursor: UInt64?
        if let text = query.value("cursor"), !text.isEmpty {
            guard let value = PageCursor.decode(text) else {
                throw Problem(
                    .badRequest,
                    code: "invalid_cursor",
                    "`cursor` is not a cursor this server issued; pass `next_cursor` from the previous page unchanged"
                )
            }
            cursor = value
        }
        return (cursor, limit)
    }

    /// A log position in the query (`at_least`), or `nil` when absent.
    func positionQuery(_ name: String) throws(Problem) -> UInt64? {
        guard let text = queryFields.value(name), !text.isEmpty else { return nil }
        guard let value = UInt64(text) else {
            throw Problem.badRequest("`\(name)` must be a log position (a whole number from 0); got \"\(text)\"")
        }
        return value
    }

    /// A query parameter, percent-decoded with `+` as a space (as a browser's GET form sends
    /// it), or `nil` when absent or empty.
    func query(_ name: String) -> String? {
        guard let value = queryFields.value(name), !value.isEmpty else { return nil }
        return value
    }

    /// A query parameter that must be one spelling of `type` (a role, a status), or 400
    /// naming the choices.
    func spelledQuery<Value: SpelledCase>(_ name: String, as type: Value.Type, choices: [Value] = Value.choices) throws(Problem) -> Value? {
        guard let text = query(name) else { return nil }
        guard let value = Value(name: text), choices.contains(value) else {
            throw Problem.badRequest("`\(name)` must be one of \(choices.map(\.name).joined(separator: ", ")); got \"\(text)\"")
        }
        return value
    }
}

extension RequestContext {
    /// An id from the path, or 400 naming the parameter (an id that cannot exist names nothing).
    func pathID<Tag>(_ name: String, as type: Identifier<Tag>.Type = Identifier<Tag>.self) throws(Problem) -> Identifier<Tag> {
        guard let text = parameters.get(name), let id = Identifier<Tag>(text) else {
            throw Problem(
                .badRequest,
                code: "validation_failed",
                "`\(name)` in the path must be a UUID such as 3f2b8c1e-1d2a-4f6b-9c3d-2a1b0c9d8e7f; got \"\(parameters.get(name) ?? "")\""
            )
        }
        return id
    }
}

/// Pagination cursors as clients see them: opaque, versioned, with a check digit so a cursor
/// that was made up or cut short is refused instead of silently starting somewhere else.
enum PageCursor {
    static func encode(_ position: UInt64) -> String {
        "c1" + String(position, radix: 36) + "." + String(check(position), radix: 36)
    }

    static func decode(_ text: String) -> UInt64? {
        guard text.hasPrefix("c1"), let dot = text.firstIndex(of: "."),
            let position = UInt64(text[text.index(text.startIndex, offsetBy: 2)..<dot], radix: 36),
            let digit = UInt64(text[text.index(after: dot)...], radix: 36), digit == check(position)
        else { return nil }
        return position
    }

    private static func check(_ position: UInt64) -> UInt64 {
        (position &* 0x9E37_79B9_7F4A_7C15) >> 59
    }
}

extension APIResponse {
    /// A list page: `{"items": [...], "next_cursor": "…" | null}`.
    static func page<Item>(_ page: Page<Item>, _ item: @escaping (inout JSONWriter, Item) -> Void) -> APIResponse {
        json { json in
            json.object { object in
                object.array("items", page.items, item)
                object.field("next_cursor", page.nextCursor.map(PageCursor.encode))
            }
        }
    }
}
