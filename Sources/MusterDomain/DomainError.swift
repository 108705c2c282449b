/// A refusal: why a command was not carried out, in words for people and a stable code for
/// programs. A refused command emits no event and changes nothing.
public struct DomainError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The stable, machine-readable reason.
    public var code: Code
    /// A sentence that says what was wrong and, where it helps, what to do.
    public var message: String
    /// How long to wait before the same command can succeed, for rate limits.
    public var retryAfter: Span?
    /// The record that stands in the way, for conflicts (the pending invitation, the member).
    public var existingRecord: String?

    /// Creates a refusal.
    public init(_ code: Code, _ message: String, retryAfter: Span? = nil, existingRecord: String? = nil) {
        self.code = code
        self.message = message
        self.retryAfter = retryAfter
        self.existingRecord = existingRecord
    }

    public var description: String { "\(code.rawValue): \(message)" }

    /// A refusal for input that is malformed or out of range.
    public static func validation(_ message: String) -> DomainError {
        DomainError(.validationFailed, message)
    }

    /// A refusal because the principal may not do this here.
    public static func forbidden(_ message: String) -> DomainError {
        DomainError(.forbidden, message)
    }

    /// A refusal because the named record does not exist (or is not visible to the caller).
    public static func notFound(_ message: String) -> DomainError {
        DomainError(.notFound, message)
    }

    /// A refusal because `role` is not in the assignable catalog.
    public static func roleNotAssignable(_ role: Role) -> DomainError {
        DomainError(.roleNotAssignable, "role \(role.name) cannot be assigned; choose one of \(Role.assignable.map(\.name).joined(separator: ", "))")
    }

    /// The stable codes of every refusal.
    public enum Code: String, Sendable, Hashable, CaseIterable {
        case validationFailed = "validation_failed"
        case forbidden
        case notFound = "not_found"
        case conflict
        case organisationExists = "organisation_exists"
        case roleNotAssignable = "role_not_assignable"
        case alreadyMember = "already_member"
        case invitationPending = "invitation_pending"
        case invitationNotFound = "invitation_not_found"
        case invitationExpired = "invitation_expired"
        case invitationRevoked = "invitation_revoked"
        case invitationAlreadyAccepted = "invitation_already_accepted"
        case tokenInvalid = "token_invalid"
        case tokenSuperseded = "token_superseded"
        case tokenUsed = "token_used"
        case tokenExpired = "token_expired"
        case resendCooldown = "resend_cooldown"
        case resendDailyLimit = "resend_daily_limit"
        case reasonTooLong = "reason_too_long"
        case userNotFound = "user_not_found"
        case userExists = "user_exists"
        case directCreateDisabled = "direct_create_disabled"
        case lastOrgAdmin = "last_org_admin"
        case memberRemoved = "member_removed"
        case collaboratorExists = "collaborator_exists"
        case collaboratorEnded = "collaborator_ended"
        case notReferenceOnly = "not_reference_only"
        case caseloadCapReached = "caseload_cap_reached"
        case tenantNotFound = "tenant_not_found"
        case sessionInvalid = "session_invalid"
        case sessionExpired = "session_expired"
        case passwordChangeRequired = "password_change_required"
        case invalidCredentials = "invalid_credentials"
        case apiKeyRevoked = "api_key_revoked"
        case beyondOwnAuthority = "beyond_own_authority"
        case userSharedAcrossOrgs = "user_shared_across_orgs"
        case passwordNotAllowed = "password_not_allowed"
        case capOverrideNotAllowed = "cap_override_not_allowed"
        case rateLimited = "rate_limited"
        case emailDomainNotAllowed = "email_domain_not_allowed"
        case redirectNotAllowed = "redirect_not_allowed"
    }
}
