extension OrgState {
    /// Decides a command against this state at `now`: the events that carry it out, or the
    /// refusal that says why not. Pure: no clock, no I/O, no randomness.
    public func decide(_ command: OrgCommand, by principal: Principal, at now: Timestamp, policy: Policy) throws(DomainError) -> [OrgEvent] {
        if case .createOrganisation(let name) = command {
            guard principal == .platformAdmin else { throw .forbidden("only the platform admin creates organisations") }
            guard !exists else { throw DomainError(.organisationExists, "organisation \(id) exists already", existingRecord: id.description) }
            return [.organisationCreated(name: try Validate.name(name, field: "name", policy: policy))]
        }
        guard exists else { throw .notFound("organisation \(id) does not exist") }

        switch command {
        case .createOrganisation:
            preconditionFailure("handled above")
        case .updateOrganisation(let update):
            return try decideUpdateOrganisation(update, by: principal, policy: policy)
        case .invite(let invitationID, let email, let role, let method, let existingUserID, let seal, let lifetimeDays, let locale, let redirect):
            let events = try decideInvite(
                invitationID,
                email: email,
                role: role,
                method: method,
                existingUserID: existingUserID,
                seal: seal,
                lifetimeDays: lifetimeDays,
                by: principal,
                at: now,
                policy: policy
            )
            // After the caller's own checks: the allowed origins are for those who may invite.
            if let redirect { try requireAllowedRedirect(redirect) }
            return events + (locale.map { [.invitationLocaleSet(id: invitationID, locale: $0)] } ?? [])
                + (redirect.map { [.invitationRedirectSet(id: invitationID, url: $0)] } ?? [])
        case .reinvite(let invitationID, let previous, let existingUserID, let seal):
            return try decideReinvite(
                invitationID,
                previous: previous,
                existingUserID: existingUserID,
                seal: seal,
                by: principal,
                at: now,
                policy: policy
            )
        case .acceptInvitation(let invitationID, let proof, let userID, let userIsNew):
            return try decideAccept(invitationID, link: proof, userID: userID, userIsNew: userIsNew, at: now)
        case .revokeInvitation(let invitationID, let reason):
            return try decideRevoke(invitationID, reason: reason, by: principal, at: now, policy: policy)
        case .resendInvitation(let invitationID, let seal):
            return try decideResend(invitationID, seal: seal, by: principal, at: now, policy: policy)
        case .expireInvitations:
            return try decideExpirySweep(by: principal, at: now)
        case .addDirectMember(let userID, let email, let role, let userIsNew):
            return try decideDirectMember(userID, email: email, role: role, userIsNew: userIsNew, by: principal, policy: policy)
        case .changeRole(let userID, let role):
            return try decideChangeRole(userID, role: role, by: principal)
        case .changeGrants(let userID, let grant, let withdraw):
            return try decideChangeGrants(userID, grant: grant, withdraw: withdraw, by: principal)
        case .removeMember(let userID):
            return try decideRemoveMember(userID, by: principal)
        case .resetPassword(let userID, let target):
            return try decideResetPassword(userID, target: target, by: principal, policy: policy)
        case .createAPIKey(let keyID, let name, let role, let secretDigest):
            return try decideCreateAPIKey(keyID, name: name, role: role, secretDigest: secretDigest, by: principal, policy: policy)
        case .revokeAPIKey(let keyID):
            return try decideRevokeAPIKey(keyID, by: principal)
        case .createTenant(let tenantID, let name, let reference):
            return try decideCreateTenant(tenantID, name: name, reference: reference, by: principal, policy: policy)
        case .inviteCollaborator(let request):
            return try decideInviteCollaborator(request, by: principal, at: now, policy: policy)
        case .activateCollaborator(let collaboratorID, let proof, let userID):
            return try decideActivateCollaborator(collaboratorID, link: proof, userID: userID, at: now)
        case .endCollaborator(let collaboratorID):
            return try decideEndCollaborator(collaboratorID, by: principal)
        case .updateContact(let collaboratorID, let contact):
            return try decideUpdateContact(collaboratorID, contact: contact, by: principal, policy: policy)
        case .addNote, .addGoal, .recordSession, .addDocument, .setContextSummary:
            return try decideWorkspaceWrite(command, by: principal, at: now, policy: policy)
        case .createWebhook(let webhookID, let url, let eventTypes, let description, let startAfter, let secretNonce):
            return try decideCreateWebhook(
                webhookID,
                url: url,
                eventTypes: eventTypes,
                description: description,
                startAfter: startAfter,
                secretNonce: secretNonce,
                by: principal,
                policy: policy
            )
        case .deleteWebhook(let webhookID):
            return try decideDeleteWebhook(webhookID, by: principal)
        case .pauseWebhook(let webhookID, let cause, let reason):
            return try decidePauseWebhook(webhookID, cause: cause, reason: reason, by: principal)
        case .resumeWebhook(let webhookID):
            return try decideResumeWebhook(webhookID, by: principal)
        case .updateWebhook(let webhookID, let update):
            return try decideUpdateWebhook(webhookID, update, by: principal, policy: policy)
        case .pingWebhook(let webhookID):
            return try decidePingWebhook(webhookID, by: principal)
        case .rotateWebhookSecret(let webhookID, let nonce, let gracePeriod):
            return try decideRotateWebhookSecret(webhookID, nonce: nonce, gracePeriod: gracePeriod, by: principal, at: now)
        }
    }
}

/// Checks on free text shared by every command.
enum Validate {
    /// A required single-line name: trimmed, non-empty, within the policy's length.
    static func name(_ raw: String, field: String, policy: Policy) throws(DomainError) -> String {
        let trimmed = raw.trimmingWhitespace()
        guard !trimmed.isEmpty else { throw .validation("\(field) is required") }
        guard trimmed.count <= policy.maximumNameLength else {
            throw .validation("\(field) is longer than \(policy.maximumNameLength) characters")
        }
        guard !trimmed.unicodeScalars.contains(where: \.breaksLines) else {
            throw .validation("\(field) contains control characters or line breaks")
        }
        return trimmed
    }

    /// An optional single-line name: `nil` or blank becomes `nil`.
    static func optionalName(_ raw: String?, field: String, policy: Policy) throws(DomainError) -> String? {
        guard let raw, !raw.trimmingWhitespace().isEmpty else { return nil }
        return try name(raw, field: field, policy: policy)
    }

    /// A required body of text: non-blank, within the policy's length.
    static func text(_ raw: String, field: String, policy: Policy) throws(DomainError) -> String {
        guard !raw.trimmingWhitespace().isEmpty else { throw .validation("\(field) is required") }
        guard raw.count <= policy.maximumTextLength else {
            throw .validation("\(field) is longer than \(policy.maximumTextLength) characters")
        }
        return raw
    }
}
