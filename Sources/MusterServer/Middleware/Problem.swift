import HTTPTypes
import Hummingbird
import MusterDomain
import MusterJSON
import MusterLog
import MusterStorage
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
    /// The methods the path does take, for a 405's `Allow`.
    var allow: [String] = []

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
        self.init(
            Self.status(of: error.code),
            code: error.code.rawValue,
            error.message,
            retryAfterSeconds: retry,
            existingRecord: error.existingRecord
        )
    }

    /// The problem any error stands for: problems as they are, domain refusals with the status
    /// their code calls for, storage trouble as 503, the router's own errors with their status,
    /// anything else a 500 that says nothing about internals.
    init(describing error: any Error) {
        switch error {
        case let problem as Problem:
            self = problem
        case let error as DomainError:
            self.init(error)
        case let error as LogError where error == .diskFull:
            self.init(
                .serviceUnavailable,
                code: "storage_unavailable",
                "the disk is full: changes are refused until space is freed; reads keep working"
            )
        case let error as LogError where error.isClusterRefusal:
            if case .notLeader = error {
                self.init(.serviceUnavailable, code: "not_leader", error.description, retryAfterSeconds: 1)
            } else {
                self.init(.serviceUnavailable, code: "storage_unavailable", error.description, retryAfterSeconds: 1)
            }
        case let error as LogError where error.isFailStop:
            self.init(
                .serviceUnavailable,
                code: "storage_unavailable",
                "the log stopped accepting writes after a storage failure; the server must be restarted"
            )
        case let error as FileSystemError:
            self.init(
                .serviceUnavailable,
                code: "storage_unavailable",
                error.isOutOfSpace ? "the disk is full: changes are refused until space is freed" : "a durable write failed"
            )
        case let error as HTTPError:
            let code =
                switch error.status {
                case .notFound: "not_found"
                case .methodNotAllowed: "method_not_allowed"
                case .contentTooLarge: "body_too_large"
                default: "bad_request"
                }
            self.init(error.status, code: code, error.body ?? error.status.reasonPhrase)
        case let error as any HTTPResponseError:
            self.init(error.status, code: "bad_request", error.status.reasonPhrase)
        default:
            self.init(.internalServerError, code: "internal_error", "the server failed to carry this out; the failure is in its log")
        }
    }

    /// Whether the failure is the server's, not the caller's: worth a line in the log. Being
    /// still in recovery is expected at every start (load balancers poll `/readyz` through
    /// it), so it is not one.
    var isServerFailure: Bool { status.code >= 500 && code != "not_ready" }

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
        case .validationFailed, .roleNotAssignable, .reasonTooLong, .notReferenceOnly, .emailDomainNotAllowed, .redirectNotAllowed:
            .unprocessableContent
        case .forbidden, .directCreateDisabled, .passwordChangeRequired, .beyondOwnAuthority, .userSharedAcrossOrgs, .passwordNotAllowed,
            .capOverrideNotAllowed:
            .forbidden
        case .notFound, .invitationNotFound, .userNotFound, .tenantNotFound: .notFound
        case .conflict, .organisationExists, .alreadyMember, .invitationPending, .userExists, .lastOrgAdmin, .memberRemoved,
            .collaboratorExists, .collaboratorEnded, .caseloadCapReached:
            .conflict
        case .tokenInvalid: .badRequest
        case .invitationExpired, .invitationRevoked, .invitationAlreadyAccepted, .tokenSuperseded, .tokenUsed, .tokenExpired: .gone
        case .resendCooldown, .resendDailyLimit, .rateLimited: .tooManyRequests
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
        if !allow.isEmpty { headers[.allow] = allow.joined(separator: ", ") }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: json.bytes)))
    }
}

extension LogError {
    /// The shared log cannot be reached, or this node does not lead: worth a retry in a moment.
    fileprivate var isClusterRefusal: Bool {
        switch self {
        case .unavailable, .notLeader: true
        default: false
        }
    }

    /// The log stopped after a failed write or sync.
    fileprivate var isFailStop: Bool {
        if case .failed = self { true } else { false }
    }
}
