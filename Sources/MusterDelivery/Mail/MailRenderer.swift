import MusterDomain
import MusterEngine
import MusterSecurity

/// Turns durable log records into the emails they cause: an invitation or its resend, a
/// collaborator's link, a sign-in link. A pure function of the record (and the few facts it
/// names), so the same record always renders the same email, with the same id.
package struct MailRenderer: Sendable {
    /// The base of every link, without a trailing slash.
    package let linkBase: String
    /// The lifetime of a sign-in link, for its email.
    package let signInLinkLifetime: Span

    /// Creates one from its parts.
    package init(linkBase: String, signInLinkLifetime: Span) {
        self.linkBase = linkBase
        self.signInLinkLifetime = signInLinkLifetime
    }

    /// The emails `record` causes, each with an id made of its position and place, so that a
    /// record delivered again after a restart is recognised (the file transport skips it).
    package func messages(for record: DurableRecord, engine: MusterEngine) async throws -> [MailMessage] {
        var messages = [MailMessage]()
        func add(kind: String, to: EmailAddress, subject: String, text: String, at: Timestamp) {
            messages.append(
                MailMessage(
                    id: "\(record.position)-\(messages.count)", kind: kind, to: to.description, subject: subject, text: text,
                    queuedAt: at.millisecondsSinceEpoch, position: record.position
                ))
        }
        switch record.record {
        case .org(let orgID, let events):
            for event in events {
                switch event.event {
                case .userInvited(let id, let email, let role, _, let expiresAt, let seal):
                    let token = engine.linkToken(.invitation, org: orgID, target: id, seal: seal)
                    let orgName = try await engine.mailFacts(org: orgID).orgName
                    add(
                        kind: "invitation", to: email, subject: "You are invited to join \(orgName)",
                        text: invitationText(orgName: orgName, role: role, token: token, expiresAt: expiresAt), at: event.at)
                case .invitationResent(let id, let expiresAt, let seal):
                    let token = engine.linkToken(.invitation, org: orgID, target: id, seal: seal)
                    let facts = try await engine.mailFacts(org: orgID, invitation: id)
                    guard let invitation = facts.invitation else { continue }
                    add(
                        kind: "invitation_resent", to: invitation.email, subject: "You are invited to join \(facts.orgName)",
                        text: invitationText(orgName: facts.orgName, role: invitation.role, token: token, expiresAt: expiresAt), at: event.at)
                case .collaboratorInvited(let invited):
                    guard let seal = invited.seal, let email = invited.email else { continue }
                    let token = engine.linkToken(.collaborator, org: orgID, target: invited.id, seal: seal)
                    let orgName = try await engine.mailFacts(org: orgID).orgName
                    add(
                        kind: "collaborator_invitation", to: email, subject: "\(orgName) invites you to collaborate on a case",
                        text: collaboratorText(orgName: orgName, invited: invited, token: token), at: event.at)
                default:
                    continue
                }
            }
        case .directory(let events):
            for event in events {
                guard case .signInLinkIssued(let id, let userID, let seal, _) = event.event, let user = try await engine.mailRecipient(userID)
                else { continue }
                let token = engine.linkToken(.signIn, org: OrganisationID(high: 0, low: 0), target: id, seal: seal)
                let text = """
                    Sign in to Muster with this link:
                    \(linkBase)/auth/verify?token=\(token)

                    The link works once and expires in \(signInLinkLifetime.milliseconds / 60_000) minutes. If you did not ask to sign in, you can ignore this email.
                    """
                add(kind: "sign_in_link", to: user.email, subject: "Your Muster sign-in link", text: text, at: event.at)
            }
        }
        return messages
    }

    private func invitationText(orgName: String, role: Role, token: String, expiresAt: Timestamp) -> String {
        """
        You have been invited to join \(orgName) on Muster as \(role.name.split(separator: "_").joined(separator: " ")).

        To accept, open this link and confirm:
        \(linkBase)/invitations/accept?token=\(token)

        The link works once and expires at \(expiresAt.iso8601). If you did not expect this invitation, you can ignore this email.
        """
    }

    private func collaboratorText(orgName: String, invited: OrgEvent.CollaboratorInvitation, token: String) -> String {
        let mode = invited.mode == .full ? "a support worker" : "a context-only collaborator (read and record sessions)"
        return """
            Hello \(invited.fullName ?? ""),

            \(orgName) has asked you to collaborate on a case on Muster as \(mode).

            Sign in through this link to see the case:
            \(linkBase)/auth/verify?token=\(token)

            The link works once and expires at \(invited.linkExpiresAt?.iso8601 ?? "in 7 days"). If you did not expect this, you can ignore this email.
            """
    }
}
