import MusterDomain
import MusterJSON

extension Wire {
    /// An invitation, its status as of the time it is shown at (a pending one past its expiry
    /// is `expired` before the sweep records it).
    static let invitation = WireShape<Invitation, Timestamp>([
        .field("id", csv: true) { invitation, _ in invitation.id },
        .field("org_id") { invitation, _ in invitation.orgID },
        .field("email", csv: true) { invitation, _ in invitation.email },
        .field("role", csv: true) { invitation, _ in invitation.role },
        .field("method", csv: true) { invitation, _ in invitation.method },
        .field("status", csv: true) { invitation, now in invitation.effectiveStatus(at: now) },
        .field("invited_by", csv: true) { invitation, _ in invitation.invitedBy },
        .field("created_at", csv: true) { invitation, _ in invitation.createdAt },
        .field("expires_at", csv: true) { invitation, _ in invitation.expiresAt },
        .field("accepted_at", csv: true) { invitation, _ in invitation.acceptedAt },
        .field("accepted_by") { invitation, _ in invitation.acceptedBy },
        .field("revoked_at", csv: true) { invitation, _ in invitation.revokedAt },
        .field("revoked_by") { invitation, _ in invitation.revokedBy },
        .field("revoked_reason", csv: true) { invitation, _ in invitation.revokedReason },
        .field("expired_at") { invitation, _ in invitation.expiredAt },
        .field("resent_at") { invitation, _ in invitation.resentAt },
        .field("resend_count", csv: true) { invitation, _ in invitation.resendCount },
        .field("reinvite_of") { invitation, _ in invitation.reinviteOf },
        .field("redirect_url") { invitation, _ in invitation.redirect?.value },
    ])
}
