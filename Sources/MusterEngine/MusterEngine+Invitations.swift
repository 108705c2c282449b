import MusterDomain
import MusterSecurity

/// An invitation as just sent, with the token for its magic link (never stored).
public struct IssuedInvitation: Sendable {
    public var invitation: Invitation
    /// The org's name, for the email.
    public var orgName: String
    /// What the link says; its token is signed only when asked for. The server's own emails
    /// sign it from the logged nonce, so an answer that shows no token signs nothing.
    let link: LinkToken
    let signer: LinkTokenSigner

    /// The magic-link token to email; only its nonce is kept.
    public var token: String { signer.sign(link).token }
}

/// What a magic link shows before anyone accepts it.
public struct InvitationPreview: Hashable, Sendable {
    public var invitationID: InvitationID
    public var orgID: OrganisationID
    public var orgName: String
    public var email: EmailAddress
    public var role: Role
    public var status: Invitation.Status
    public var expiresAt: Timestamp
    /// Where the link page sends the invitee after they accept, if the inviter chose.
    public var redirect: RedirectURL?
    /// The invitation's own language, when the inviter chose one.
    public var locale: LocaleTag?
    /// The org's settings, for the page's language and branding.
    public var settings: OrgSettings
    /// Whether accepting would succeed now; when not, `refusal` says why.
    public var isValid: Bool
    public var refusal: DomainError?
}

/// The result of accepting an invitation: the new member, signed in.
public struct Acceptance: Sendable {
    public var invitation: Invitation
    /// The org's name and settings as the acceptance left them, for the page that says so.
    public var orgName: String
    public var settings: OrgSettings
    public var user: User
    /// A bearer token for a new session.
    public var sessionToken: String
    public var session: Session
}

extension MusterEngine {
    /// Invites `email` to the org with `role`, by email or as an existing user (`method`).
    /// `redirect` must go to an origin the org allows (`redirect_not_allowed` otherwise).
    public func invite(
        org orgID: OrganisationID,
        email: EmailAddress,
        role: Role,
        method: Invitation.Method,
        lifetimeDays: Int? = nil,
        locale: LocaleTag? = nil,
        redirect: RedirectURL? = nil,
        by principal: Principal,
        context: CommandContext = .detached
    ) async throws -> IssuedInvitation {
        _ = try org(orgID)
        let (existingUser, seenAt) = directory.view.userID(email: email)
        try await durable(seenAt)
        let invitationID = InvitationID.timeOrdered()
        let link = LinkToken(purpose: .invitation, orgID: orgID, target: invitationID, nonce: RandomSecret.nonce())
        let seal = LinkSeal(nonce: link.nonce)
        let (invitation, orgName) = try await run(
            .invite(
                id: invitationID,
                email: email,
                role: role,
                method: method,
                existingUserID: existingUser,
                seal: seal,
                lifetimeDays: lifetimeDays,
                locale: locale,
                redirect: redirect
            ),
            on: orgID,
            by: principal,
            context: context
        ) { state throws(DomainError) in
            (state.invitations[invitationID]!, state.name)
        }
        return IssuedInvitation(invitation: invitation, orgName: orgName, link: link, signer: signer)
    }

    /// Invites many people to one org at once: one result per request, in order, each exactly
    /// what ``invite(org:email:role:method:lifetimeDays:locale:by:)`` would have answered had the requests come one
    /// after another (a repeated email in the batch is `invitation_pending` the second time).
    ///
    /// The whole batch costs one directory read, one hop to the org's actor and one wait for
    /// durability; each invitation is still its own log record.
    public func invite(
        org orgID: OrganisationID,
        batch requests: [(
            email: EmailAddress, role: Role, method: Invitation.Method, lifetimeDays: Int?, locale: LocaleTag?, redirect: RedirectURL?
        )],
        by principal: Principal,
        context: CommandContext = .detached
    ) async throws -> [Result<IssuedInvitation, any Error>] {
        let actor = try org(orgID)
        let emails = requests.map(\.email)
        let (existingUsers, seenAt) = directory.view.userIDs(emails: emails)
        try await durable(seenAt)
        let invitationIDs = requests.map { _ in InvitationID.timeOrdered() }
        let links = invitationIDs.map { LinkToken(purpose: .invitation, orgID: orgID, target: $0, nonce: RandomSecret.nonce()) }
        let commands = requests.indices.map { index in
            let request = requests[index]
            return OrgCommand.invite(
                id: invitationIDs[index],
                email: request.email,
                role: request.role,
                method: request.method,
                existingUserID: existingUsers[index],
                seal: LinkSeal(nonce: links[index].nonce),
                lifetimeDays: request.lifetimeDays,
                locale: request.locale,
                redirect: request.redirect
            )
        }
        let outcome = await traces.span("muster.org.step") {
            await actor.executeEach(commands, by: principal, mark: context.mark) { state, index throws(DomainError) in
                (state.invitations[invitationIDs[index]]!, state.name)
            }
        }
        if !outcome.personChanges.isEmpty {
            await people.merge(outcome.personChanges, position: outcome.position)
        }
        try await durable(outcome.position)
        context.noteDurable(outcome.position)
        return outcome.results.indices.map { index in
            outcome.results[index].map { IssuedInvitation(invitation: $0.0, orgName: $0.1, link: links[index], signer: signer) }
        }
    }

    /// Sends a pending invitation again with a new link (the old one stops working), within the
    /// rate limits.
    public func resendInvitation(
        org orgID: OrganisationID,
        id invitationID: InvitationID,
        by principal: Principal,
        context: CommandContext = .detached
    ) async throws -> IssuedInvitation {
        let link = LinkToken(purpose: .invitation, orgID: orgID, target: invitationID, nonce: RandomSecret.nonce())
        let seal = LinkSeal(nonce: link.nonce)
        let (invitation, orgName) = try await run(.resendInvitation(id: invitationID, seal: seal), on: orgID, by: principal, context: context) {
            state throws(DomainError) in
            (state.invitations[invitationID]!, state.name)
        }
        return IssuedInvitation(invitation: invitation, orgName: orgName, link: link, signer: signer)
    }

    /// Invites again the person of an expired or revoked invitation: a new pending invitation
    /// with the same email, role, method and language, which records the one it follows (that
    /// one keeps its history). A pending invitation is resent instead; an accepted one refused.
    public func reinvite(
        org orgID: OrganisationID,
        id previousID: InvitationID,
        by principal: Principal,
        context: CommandContext = .detached
    ) async throws -> IssuedInvitation {
        // The email decides whether its user exists; the command re-checks everything else.
        let previous = try await read(orgID) { state, _ throws(DomainError) in try state.invitation(previousID, for: principal) }
        let (existingUser, seenAt) = directory.view.userID(email: previous.email)
        try await durable(seenAt)
        let invitationID = InvitationID.timeOrdered()
        let link = LinkToken(purpose: .invitation, orgID: orgID, target: invitationID, nonce: RandomSecret.nonce())
        let seal = LinkSeal(nonce: link.nonce)
        let (invitation, orgName) = try await run(
            .reinvite(id: invitationID, previous: previousID, existingUserID: existingUser, seal: seal),
            on: orgID,
            by: principal,
            context: context
        ) { state throws(DomainError) in
            (state.invitations[invitationID]!, state.name)
        }
        return IssuedInvitation(invitation: invitation, orgName: orgName, link: link, signer: signer)
    }

    /// Revokes a pending invitation, with an optional reason of at most 500 characters.
    public func revokeInvitation(
        org orgID: OrganisationID,
        id invitationID: InvitationID,
        reason: String?,
        by principal: Principal,
        context: CommandContext = .detached
    ) async throws -> Invitation {
        try await run(.revokeInvitation(id: invitationID, reason: reason), on: orgID, by: principal, context: context) { state throws(DomainError) in
            state.invitations[invitationID]!
        }
    }

    /// One invitation with all its audit fields.
    public func invitation(org orgID: OrganisationID, id invitationID: InvitationID, by principal: Principal) async throws -> Invitation {
        try await read(orgID) { state, _ throws(DomainError) in try state.invitation(invitationID, for: principal) }
    }

    /// A page of the org's invitations, filtered by status and email.
    public func invitations(
        org orgID: OrganisationID,
        status: Invitation.Status? = nil,
        email: EmailAddress? = nil,
        after cursor: UInt64? = nil,
        limit: Int = 100,
        by principal: Principal
    ) async throws -> Page<Invitation> {
        try await read(orgID) { state, now throws(DomainError) in
            try state.invitationsPage(for: principal, status: status, email: email, after: cursor, limit: limit, at: now)
        }
    }

    /// What the link is for and whether it is still valid. Changes nothing: mail scanners
    /// open links, so only ``acceptInvitation(token:)`` accepts.
    public func previewInvitation(token: String) async throws -> InvitationPreview {
        let (content, proof) = try invitationToken(token)
        let invitationID: InvitationID = content.target()
        let actor: OrgActor
        do { actor = try org(content.orgID) } catch { throw DomainError(.invitationNotFound, "this invitation does not exist") }
        let (preview, position) = try await actor.read { state, now throws(DomainError) -> InvitationPreview in
            guard let invitation = state.invitations[invitationID] else { throw DomainError(.invitationNotFound, "this invitation does not exist") }
            var refusal: DomainError?
            do throws(DomainError) { _ = try state.acceptableInvitation(invitationID, link: proof, at: now) } catch { refusal = error }
            return InvitationPreview(
                invitationID: invitationID,
                orgID: state.id,
                orgName: state.name,
                email: invitation.email,
                role: invitation.role,
                status: invitation.effectiveStatus(at: now),
                expiresAt: invitation.expiresAt,
                redirect: state.invitationAsAnswered(invitationID).redirect,
                locale: invitation.locale,
                settings: state.settings,
                isValid: refusal == nil,
                refusal: refusal
            )
        }
        try await durable(position)
        return preview
    }

    /// Accepts an invitation through its link, exactly once: creates the user if the email is
    /// new, makes them a member, and signs them in.
    public func acceptInvitation(token: String) async throws -> Acceptance {
        let (content, proof) = try invitationToken(token)
        let invitationID: InvitationID = content.target()
        let orgID = content.orgID
        let actor: OrgActor
        do { actor = try org(orgID) } catch { throw DomainError(.invitationNotFound, "this invitation does not exist") }
        // Check first, so a refused link creates no user; the accept itself re-checks.
        let (invitation, _) = try await actor.read { state, now throws(DomainError) in
            try state.acceptableInvitation(invitationID, link: proof, at: now)
        }
        let ensured = try await directory.ensureUser(
            email: invitation.email,
            creation: { userID in
                .createUser(
                    id: userID,
                    email: invitation.email,
                    fullName: nil,
                    origin: .invitation,
                    createdFor: orgID,
                    passwordHash: nil,
                    identityOrganisation: nil
                )
            },
            by: .system
        )
        let user = ensured.user
        let (accepted, orgName, settings) = try await run(
            .acceptInvitation(id: invitationID, link: proof, userID: user.id, userIsNew: ensured.created),
            on: orgID,
            by: .user(user.id),
            context: .detached
        ) { state throws(DomainError) in
            (state.invitationAsAnswered(invitationID), state.name, state.settings)
        }
        let (sessionToken, session) = try await startSession(for: user.id, method: .invitationLink)
        return Acceptance(invitation: accepted, orgName: orgName, settings: settings, user: user, sessionToken: sessionToken, session: session)
    }

    /// Records every pending invitation past its expiry as expired, in every org; returns how
    /// many it expired.
    @discardableResult
    public func expireInvitations() async throws -> Int {
        var expired = 0
        for actor in allOrgActors() {
            let outcome = try await actor.execute(.expireInvitations, by: .system, mark: nil) { _ throws(DomainError) in () }
            try await durable(outcome.position)
            expired += outcome.records.count
        }
        return expired
    }

    private func invitationToken(_ token: String) throws(DomainError) -> (LinkToken, LinkProof) {
        let content = try signer.verify(token)
        guard content.purpose == .invitation else {
            throw DomainError(.tokenInvalid, "this link is not an invitation; open it as a sign-in link")
        }
        return (content, signer.proof(of: token, content))
    }
}
