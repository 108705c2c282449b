import HTTPTypes
import Hummingbird
import MusterJSON
import NIOCore

/// An answer of the API with its body in hand, so that the idempotency store can keep it and
/// replay it byte for byte.
struct APIResponse: ResponseGenerator, Sendable {
    var status: HTTPResponse.Status
    var contentType: String
    /// Headers beyond the content type, as name–value pairs (for example `Location`).
    var extraHeaders: [(String, String)]
    var body: [UInt8]
    /// The id of the record whose secret this answer shows (a temporary password, an API key's
    /// or a webhook's secret): such an answer is shown once and never stored for a replay.
    var secretOf: String?
    /// The rest of a streamed answer (a CSV export), written after `body`; never kept for a
    /// replay (only GETs stream).
    var stream: (@Sendable (inout any ResponseBodyWriter) async throws -> Void)?

    init(status: HTTPResponse.Status = .ok, contentType: String = "application/json", extraHeaders: [(String, String)] = [], body: [UInt8]) {
        self.status = status
        self.contentType = contentType
        self.extraHeaders = extraHeaders
        self.body = body
    }

    /// A JSON answer written by `write`.
    static func json(_ status: HTTPResponse.Status = .ok, _ write: (inout JSONWriter) -> Void) -> APIResponse {
        var json = JSONWriter()
        write(&json)
        return APIResponse(status: status, body: json.bytes)
    }

    /// The same answer, marked as showing the secret of `record`.
    func showingSecret(of record: String) -> APIResponse {
        var copy = self
        copy.secretOf = record
        return copy
    }

    /// A 204 with no body.
    static var noContent: APIResponse { APIResponse(status: .noContent, body: []) }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers: HTTPFields = [:]
        if !body.isEmpty || status != .noContent { headers[.contentType] = contentType }
        for (name, value) in extraHeaders {
            if let field = HTTPField.Name(name) { headers[field] = value }
        }
        if let stream {
            return Response(
                status: status,
                headers: headers,
                body: ResponseBody { writer in
                    try await stream(&writer)
                    try await writer.finish(nil)
                }
            )
        }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}
