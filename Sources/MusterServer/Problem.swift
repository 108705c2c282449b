import HTTPTypes
import Hummingbird
import MusterDomain
import NIOCore

/// A refusal as the API answers it: an `application/problem+json` body (RFC 9457) with a
/// stable `code` beside the standard `type`, `title`, `status` and `detail`.
struct Problem: Error, HTTPResponseError, Sendable {
    /// The HTTP status.
    var status: HTTPResponse.Status
    /// The stable machine-readable reason, such as `invitation_expired`.
    var code: String
    /// A sentence for people.
    var detail: String
    /// Seconds to wait before retrying, for rate limits (sent as `Retry-After` too).
    var retryAfterSeconds: Int?
    /// The record that stands in the way of a conflict.
    var existingRecord: String?

    init(_ status: HTTPResponse.Status, code: String, _ detail: String, retryAfterSeconds: Int? = nil, existingRecord: String? = nil) {
        self.status = status
        self.code = code
        self.detail = detail
        self.retryAfterSeconds = retryAfterSeconds
        self.existingRecord = existingRecord
    }

    /// The answer to a domain refusal, with the status its code calls for.
    init(_ error: DomainError) {
        let retry = error.retryAfter.map { Int(($0.milliseconds + 999) / 1000) }
        self.init(Self.status(of: error.code), code: error.code.rawValue, error.message, retryAfterSeconds: retry, existingRecord: error.existingRecord)
    }

    /// A request whose body, query or path could not be understood.
    static func badRequest(_ detail: String) -> Problem {
        Problem(.badRequest, code: "validation_failed", detail)
    }

    /// A call without credentials, or with credentials that do not stand for anyone.
    static func unauthorized(_ detail: String, code: String = "unauthenticated") -> Problem {
        Problem(.unauthorized, code: code, detail)
    }

    static func status(of code: DomainError.Code) -> HTTPResponse.Status {
        switch code {
        case .validationFailed, .roleNotAssignable, .reasonTooLong, .notReferenceOnly: .unprocessableContent
        case .forbidden, .directCreateDisabled, .passwordChangeRequired: .forbidden
        case .notFound, .invitationNotFound, .userNotFound, .tenantNotFound: .notFound
        case .conflict, .organisationExists, .alreadyMember, .invitationPending, .userExists, .lastOrgAdmin, .memberRemoved,
            .collaboratorExists, .collaboratorEnded, .caseloadCapReached:
            .conflict
        case .tokenInvalid: .badRequest
        case .invitationExpired, .invitationRevoked, .invitationAlreadyAccepted, .tokenSuperseded, .tokenUsed, .tokenExpired: .gone
        case .resendCooldown, .resendDailyLimit: .tooManyRequests
        case .sessionInvalid, .sessionExpired, .invalidCredentials, .apiKeyRevoked: .unauthorized
        }
    }

    /// The spelling of `type`: a stable URI per code, relative to the API.
    var type: String { "https://muster.invalid/problems/\(code)" }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var json = JSONWriter()
        json.object { object in
            object.field("type", type)
            object.field("title", status.reasonPhrase)
            object.field("status", status.code)
            object.field("detail", detail)
            object.field("code", code)
            if let retryAfterSeconds { object.field("retry_after_seconds", retryAfterSeconds) }
            if let existingRecord { object.field("existing_record", existingRecord) }
        }
        var headers: HTTPFields = [.contentType: "application/problem+json"]
        if let retryAfterSeconds { headers[.retryAfter] = String(retryAfterSeconds) }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: json.bytes)))
    }
}
