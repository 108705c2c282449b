extension OrgState {
    func decideInvite(
        _ invitationID: InvitationID,
        email: EmailAddress,
        role: Role,
        method: Invitation.Method,
        existingUserID: UserID?,
        seal: LinkSeal,
        lifetimeDays: Int?,
        by principal: Principal,
        at now: Timestamp,
        policy: Policy
    ) throws(DomainError) -> [OrgEvent] {
        try require(.usersInvite, of: principal, toDo: "invite people")
        guard role.isAssignable else {
            throw .roleNotAssignable(role)
        }
        try Self.requireLifetimeDays(lifetimeDays, field: "expires_in_days")
        try requireAllowedDomain(email, toDo: "inviting someone")
        try requireWithinAuthority(of: principal, role.permissions, "inviting someone as \(role.name)")
        guard invitations[invitationID] == nil else {
            throw DomainError(.conflict, "invitation \(invitationID) exists already", existingRecord: invitationID.description)
        }
        if method == .existingUser, existingUserID == nil {
            throw DomainError(.userNotFound, "no user has the email \(email); invite them by email instead")
        }
        if let member = activeMember(email: email) {
            throw DomainError(
                .alreadyMember,
                "\(email) is already a member of this organisation as \(member.role.name)",
                existingRecord: member.userID.description
            )
        }
        var events = [OrgEvent]()
        if let pending = pendingInvitation(for: email) {
            // A pending invitation past its expiry is expired already; record it so the new one
            // can stand. One that is still live blocks the new one.
            guard pending.effectiveStatus(at: now) == .expired else {
                throw DomainError(
                    .invitationPending,
                    "\(email) already has a pending invitation (\(pending.id)); resend or revoke it instead",
                    existingRecord: pending.id.description
                )
            }
            events.append(.invitationExpired(id: pending.id))
        }
        events.append(
            .userInvited(
                id: invitationID,
                email: email,
                role: role,
                method: method,
                expiresAt: now.adding(invitationLifetime(days: lifetimeDays, policy: policy)),
                seal: seal
            )
        )
        return events
    }

    func decideReinvite(
        _ invitationID: InvitationID,
        previous previousID: InvitationID,
        existingUserID: UserID?,
        seal: LinkSeal,
        by principal: Principal,
        at now: Timestamp,
        policy: Policy
    ) throws(DomainError) -> [OrgEvent] {
        try require(.usersInvite, of: principal, toDo: "invite people")
        guard let previous = invitations[previousID] else {
            throw DomainError(.invitationNotFound, "invitation \(previousID) does not exist in this organisation")
        }
        switch previous.effectiveStatus(at: now) {
        case .pending:
            throw DomainError(
                .invitationPending,
                "invitation \(previousID) is still pending; resend it instead of inviting again",
                existingRecord: previousID.description
            )
        case .accepted:
            throw DomainError(.invitationAlreadyAccepted, "invitation \(previousID) was accepted; there is no one to invite again")
        case .expired, .revoked:
            break
        }
        var events = try decideInvite(
            invitationID,
            email: previous.email,
            role: previous.role,
            method: previous.method,
            existingUserID: existingUserID,
            seal: seal,
            lifetimeDays: nil,
            by: principal,
            at: now,
            policy: policy
        )
        // An invitation that expired without the sweep recording it is recorded now, once.
        if previous.status == .pending, !events.contains(.invitationExpired(id: previousID)) {
            events.insert(.invitationExpired(id: previousID), at: 0)
        }
        events.append(.invitationReinvited(id: invitationID, previous: previousID))
        if let locale = previous.locale { events.append(.invitationLocaleSet(id: invitationID, locale: locale)) }
        // A redirect goes with it only while its origin is still allowed.
        if let redirect = previous.redirect, settings.allows(redirect) { events.append(.invitationRedirectSet(id: invitationID, url: redirect)) }
        return events
    }

    /// The invitation a link names, checked for acceptance at `now`: pending, unexpired, and
    /// the link is the current one. Shared by accept and by the read-only preview.
    public func acceptableInvitation(_ invitationID: InvitationID, link proof: LinkProof, at now: Timestamp) throws(DomainError) -> Invitation {
        guard let invitation = invitations[invitationID] else {
            throw DomainError(.invitationNotFound, "this invitation does not exist")
        }
        switch invitation.effectiveStatus(at: now) {
        case .accepted:
            throw DomainError(.invitationAlreadyAccepted, "this invitation has already been accepted")
        case .revoked:
            // The reason is for staff: the person holding the link learns only that it was revoked.
            throw DomainError(.invitationRevoked, "this invitation was revoked; ask the organisation for a new one")
        case .expired:
            throw DomainError(.invitationExpired, "this invitation has expired; ask for a new one")
        case .pending:
            guard invitation.link?.admits(proof) == true else {
                throw DomainError(.tokenSuperseded, "this link has been replaced by a newer one; use the link in the latest email")
            }
            // Domains the org allowed since the invitation was sent hold for it too.
            try requireAllowedDomain(invitation.email, toDo: "joining this organisation")
            return invitation
        }
    }

    func decideAccept(
        _ invitationID: InvitationID,
        link proof: LinkProof,
        userID: UserID,
        userIsNew: Bool,
        at now: Timestamp
    ) throws(DomainError)
        -> [OrgEvent]
    {
        let invitation = try acceptableInvitation(invitationID, link: proof, at: now)
        var events = [OrgEvent]()
        if userIsNew {
            events.append(.userCreated(userID: userID, email: invitation.email))
        }
        events.append(.invitationAccepted(id: invitationID, userID: userID))
        // A person who became a member some other way meanwhile keeps their one membership.
        if members[userID]?.isActive != true {
            let via: Member.JoinMethod = invitation.method == .existingUser ? .existingUser : .invitation
            events.append(.memberAdded(userID: userID, email: invitation.email, role: invitation.role, via: via))
        }
        return events
    }

    func decideRevoke(
        _ invitationID: InvitationID,
        reason: String?,
        by principal: Principal,
        at now: Timestamp,
        policy: Policy
    ) throws(DomainError)
        -> [OrgEvent]
    {
        try require(.usersRevoke, of: principal, toDo: "revoke invitations")
        let invitation = try pendingInvitation(invitationID, toDo: "revoked", at: now)
        let trimmed = reason?.trimmingWhitespace()
        if let trimmed, trimmed.count > policy.maximumRevokeReasonLength {
            throw DomainError(.reasonTooLong, "the reason has \(trimmed.count) characters; at most \(policy.maximumRevokeReasonLength) are allowed")
        }
        return [.invitationRevoked(id: invitation.id, reason: trimmed?.isEmpty == false ? trimmed : nil)]
    }

    func decideResend(
        _ invitationID: InvitationID,
        seal: LinkSeal,
        by principal: Principal,
        at now: Timestamp,
        policy: Policy
    ) throws(DomainError)
        -> [OrgEvent]
    {
        try require(.usersResend, of: principal, toDo: "resend invitations")
        let invitation = try pendingInvitation(invitationID, toDo: "resent", at: now)
        try requireAllowedDomain(invitation.email, toDo: "resending this invitation")
        let windowStart = now.adding(Span(milliseconds: -policy.resendWindow.milliseconds))
        let inWindow = invitation.recentResends.filter { $0 > windowStart }
        if inWindow.count >= policy.resendsPerWindow {
            let retryAfter = inWindow[inWindow.count - policy.resendsPerWindow].adding(policy.resendWindow).span(since: now)
            throw DomainError(
                .resendDailyLimit,
                "resend limit reached for this invitation: at most \(policy.resendsPerWindow) resends in \(policy.resendWindow.wholeSecondsRoundedUp / 3600) hours; try again in \(retryAfter.wholeSecondsRoundedUp) seconds",
                retryAfter: retryAfter
            )
        }
        // The cooldown runs between resends: the first may follow the invitation at once.
        if let lastResend = invitation.resentAt, case let sinceLast = now.span(since: lastResend), sinceLast < policy.resendCooldown {
            let retryAfter = Span(milliseconds: policy.resendCooldown.milliseconds - sinceLast.milliseconds)
            throw DomainError(
                .resendCooldown,
                "please wait before resending again: one resend per \(policy.resendCooldown.wholeSecondsRoundedUp) seconds; try again in \(retryAfter.wholeSecondsRoundedUp) seconds",
                retryAfter: retryAfter
            )
        }
        // A resent link lasts as long as the invitation's own did: the days it was given.
        let lifetime = invitation.expiresAt.span(since: invitation.resentAt ?? invitation.createdAt)
        return [.invitationResent(id: invitationID, expiresAt: now.adding(lifetime), seal: seal)]
    }

    func decideExpirySweep(by principal: Principal, at now: Timestamp) throws(DomainError) -> [OrgEvent] {
        guard principal == .system || principal == .platformAdmin else {
            throw .forbidden("only Muster's sweep expires invitations")
        }
        return
            pendingInvitationIDs
            .compactMap { invitations[$0] }
            .filter { $0.status == .pending && now >= $0.expiresAt }
            .sorted { ($0.expiresAt, $0.id) < ($1.expiresAt, $1.id) }
            .map { .invitationExpired(id: $0.id) }
    }

    /// The invitation if it is pending at `now`; otherwise a refusal naming its status.
    private func pendingInvitation(_ invitationID: InvitationID, toDo action: String, at now: Timestamp) throws(DomainError) -> Invitation {
        guard let invitation = invitations[invitationID] else {
            throw DomainError(.invitationNotFound, "invitation \(invitationID) does not exist in this organisation")
        }
        switch invitation.effectiveStatus(at: now) {
        case .pending: return invitation
        case .accepted: throw DomainError(.invitationAlreadyAccepted, "invitation \(invitationID) was accepted and cannot be \(action)")
        case .revoked: throw DomainError(.invitationRevoked, "invitation \(invitationID) was revoked and cannot be \(action)")
        case .expired: throw DomainError(.invitationExpired, "invitation \(invitationID) has expired and cannot be \(action); invite again")
        }
    }
}
