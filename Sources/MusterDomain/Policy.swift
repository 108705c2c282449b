/// The limits and defaults that the rules use, fixed per deployment.
///
/// Every command is decided against one policy; the engine holds it, so tests can shorten a
/// window or lower a cap without touching the rules.
public struct Policy: Hashable, Sendable {
    /// How long an invitation, or a resent one, stays acceptable.
    public var invitationLifetime: Span = .days(7)
    /// The shortest time between two emails of one invitation.
    public var resendCooldown: Span = .seconds(60)
    /// The most resends of one invitation in any `resendWindow`.
    public var resendsPerWindow: Int = 5
    /// The rolling window of `resendsPerWindow`.
    public var resendWindow: Span = .hours(24)
    /// The language of emails when neither the invitation nor the org names one.
    public var defaultLocale = LocaleTag(normalised: "en")
    /// The longest revoke reason, in characters.
    public var maximumRevokeReasonLength: Int = 500
    /// The soft cap on distinct active tenants per collaborator, across all orgs.
    public var caseloadCap: Int = 500
    /// Who may create users with a temporary password, or reset one: `disabled` stops every
    /// way of issuing a temporary password.
    public var directCreate: DirectCreatePolicy = .orgAdmins
    /// Whether an admin may give a temporary password to someone who has only ever signed in
    /// by link (and so has no password). Off by default: such people get a sign-in link.
    public var temporaryPasswordsForLinkUsers = false
    /// How long a collaborator's magic link stays usable.
    public var collaboratorLinkLifetime: Span = .days(7)
    /// How long a sign-in link stays usable.
    public var signInLinkLifetime: Span = .minutes(15)
    /// How long a session lasts.
    public var sessionLifetime: Span = .hours(12)
    /// The longest free text accepted in names, titles and labels, in characters.
    public var maximumNameLength: Int = 200
    /// The longest body of a note, goal, session record or context summary, in characters.
    public var maximumTextLength: Int = 20_000

    /// The defaults of the specification.
    public init() {}
}

/// Who may create users with a temporary password (the legacy, discouraged way to add people).
public enum DirectCreatePolicy: UInt8, Hashable, Sendable {
    /// Org admins and holders of `users.create_direct`, as well as the platform admin.
    case orgAdmins
    /// Only the platform admin.
    case platformAdminOnly
    /// Nobody: the deployment has switched the legacy flow off.
    case disabled
}
