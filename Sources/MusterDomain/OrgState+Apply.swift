extension OrgState {
    /// Folds one event into the state: the only function that changes an org, the same live
    /// and on replay.
    ///
    /// It trusts the event (decide already checked it) and never fails: an event is a fact. It
    /// also keeps the indexes and appends the audit line.
    public mutating func apply(_ record: OrgEventRecord) {
        precondition(record.sequence == version + 1, "event \(record.sequence) applied to org \(id) at version \(version)")
        version = record.sequence
        let now = record.at
        var line = AuditEntry(record, orgID: id)

        switch record.event {
        case .organisationCreated(let name):
            exists = true
            self.name = name
            createdAt = now

        case .userInvited(let invitationID, let email, let role, let method, let expiresAt, let seal):
            let isNew = invitations.position(of: invitationID) == nil
            invitations[invitationID] = Invitation(
                id: invitationID,
                orgID: id,
                email: email,
                role: role,
                method: method,
                status: .pending,
                invitedBy: record.actor,
                createdAt: now,
                expiresAt: expiresAt,
                resendCount: 0,
                recentResends: [],
                link: LinkCheck(seal)
            )
            if isNew {
                let rows = invitations.storedRows
                let hashOf = { (number: Int) in Self.rowHash(of: rows[number].email) }
                let hash = Self.rowHash(of: email)
                invitationRowsByEmail.insert(rows.count - 1, hash: hash, sameKey: { rows[$0].email == email }, hashOf: hashOf)
                pendingInvitationRows.file(rows.count - 1, hash: hash, replacing: { rows[$0].email == email }, hashOf: hashOf)
            } else {
                // An id invited again (only a damaged log says so) replaced its row where it
                // stood, perhaps under another email: its indexes are built again from the rows.
                (invitationRowsByEmail, pendingInvitationRows) = Self.emailIndexes(of: invitations.storedRows)
            }

        case .invitationResent(let invitationID, let expiresAt, let seal):
            modifyInvitation(invitationID) { invitation in
                invitation.expiresAt = expiresAt
                invitation.resentAt = now
                invitation.resendCount += 1
                invitation.recentResends.append(now)
                invitation.link = LinkCheck(seal)
            }

        case .invitationRevoked(let invitationID, let reason):
            modifyInvitation(invitationID) { invitation in
                invitation.status = .revoked
                invitation.revokedAt = now
                invitation.revokedBy = record.actor
                invitation.revokedReason = reason
            }

        case .invitationAccepted(let invitationID, let userID):
            modifyInvitation(invitationID) { invitation in
                invitation.status = .accepted
                invitation.acceptedAt = now
                invitation.acceptedBy = userID
            }

        case .invitationExpired(let invitationID):
            modifyInvitation(invitationID) { invitation in
                invitation.status = .expired
                invitation.expiredAt = now
            }

        case .userCreated, .memberPasswordReset:
            // The audit line is the whole of it.
            break

        case .memberAdded(let userID, let email, let role, let via):
            let member = Member(userID: userID, email: email, role: role, grants: [], joinedAt: now, joinedVia: via)
            if members[userID] == nil { memberOrder.append(userID) }
            members[userID] = member
            activeMemberByEmail[email] = userID
            if role == .orgAdmin { activeOrgAdmins += 1 }

        case .memberRoleChanged(let userID, let role, let previous):
            if let old = members[userID]?.role {
                if old == .orgAdmin { activeOrgAdmins -= 1 }
                if role == .orgAdmin { activeOrgAdmins += 1 }
                if previous == nil { line.details = AuditEntry.roleChange(from: old, to: role) }
            }
            members[userID]?.role = role

        case .memberGrantsChanged(let userID, let grants):
            members[userID]?.grants = grants

        case .memberRemoved(let userID):
            if let member = members[userID] {
                if member.role == .orgAdmin { activeOrgAdmins -= 1 }
                activeMemberByEmail[member.email] = nil
            }
            members[userID]?.removedAt = now
            members[userID]?.removedBy = record.actor

        case .apiKeyCreated(let keyID, let name, let role, let secretDigest):
            apiKeys[keyID] = APIKey(id: keyID, name: name, role: role, secretDigest: secretDigest, createdAt: now, createdBy: record.actor)

        case .apiKeyRevoked(let keyID):
            apiKeys[keyID]?.revokedAt = now

        case .tenantCreated(let tenantID, let name, let reference):
            tenants[tenantID] = Tenant(
                id: tenantID,
                name: name,
                reference: reference,
                createdAt: now,
                createdBy: record.actor,
                workspace: Workspace()
            )

        case .collaboratorInvited(let invited):
            let isNew = collaborators.position(of: invited.id) == nil
            collaborators[invited.id] = Collaborator(
                id: invited.id,
                tenantID: invited.tenantID,
                mode: invited.mode,
                userID: invited.userID,
                email: invited.email,
                fullName: invited.fullName,
                contact: invited.contact,
                invitedBy: record.actor,
                invitedAt: now,
                capOverridden: invited.capOverridden,
                link: invited.seal.map(LinkCheck.init),
                linkExpiresAt: invited.linkExpiresAt
            )
            if isNew {
                let rows = collaborators.storedRows
                let number = rows.count - 1
                let tenantID = invited.tenantID
                tenantCollaboratorRows.insert(
                    number,
                    hash: Self.rowHash(tenant: tenantID),
                    sameKey: { rows[$0].tenantID == tenantID },
                    hashOf: { Self.rowHash(tenant: rows[$0].tenantID) }
                )
                if let userID = invited.userID {
                    let hash = Self.rowHash(tenant: tenantID, user: userID)
                    activeAssignmentRows.file(
                        number,
                        hash: hash,
                        replacing: { rows[$0].tenantID == tenantID && rows[$0].userID == userID },
                        hashOf: { Self.assignmentHash(of: rows[$0]) }
                    )
                }
            } else {
                // An id invited again (only a damaged log says so) replaced its row where it
                // stood, perhaps on another tenant: its indexes are built again from the rows.
                activeAssignmentRows = Self.assignmentIndex(of: collaborators.storedRows)
                tenantCollaboratorRows = Self.tenantIndex(of: collaborators.storedRows, tenants: tenants.count)
            }

        case .collaboratorActivated(let collaboratorID, _):
            collaborators[collaboratorID]?.activatedAt = now
            collaborators[collaboratorID]?.link = nil

        case .collaboratorEnded(let collaboratorID):
            if let number = collaborators.position(of: collaboratorID), let userID = collaborators.storedRows[number].userID {
                activeAssignmentRows.remove(number, hash: Self.rowHash(tenant: collaborators.storedRows[number].tenantID, user: userID))
            }
            collaborators[collaboratorID]?.endedAt = now
            collaborators[collaboratorID]?.endedBy = record.actor
            collaborators[collaboratorID]?.link = nil

        case .collaboratorContactUpdated(let collaboratorID, let contact):
            collaborators[collaboratorID]?.contact = contact

        case .noteAdded(let tenantID, let itemID, let kind, let body):
            let note = Note(id: itemID, kind: kind, body: body, authorship: Authorship(author: record.actor, at: now))
            tenants[tenantID]?.workspace.notes.append(note)
            workspaceItemTenants[itemID] = tenantID

        case .goalAdded(let tenantID, let itemID, let title, let detail):
            let goal = Goal(id: itemID, title: title, detail: detail, authorship: Authorship(author: record.actor, at: now))
            tenants[tenantID]?.workspace.goals.append(goal)
            workspaceItemTenants[itemID] = tenantID

        case .sessionRecorded(let tenantID, let itemID, let occurredAt, let summary):
            let session = SessionRecord(id: itemID, occurredAt: occurredAt, summary: summary, authorship: Authorship(author: record.actor, at: now))
            tenants[tenantID]?.workspace.sessions.append(session)
            workspaceItemTenants[itemID] = tenantID

        case .documentAdded(let tenantID, let itemID, let name, let contentType, let sizeBytes, let checksum):
            let document = Document(
                id: itemID,
                name: name,
                contentType: contentType,
                sizeBytes: sizeBytes,
                checksum: checksum,
                authorship: Authorship(author: record.actor, at: now)
            )
            tenants[tenantID]?.workspace.documents.append(document)
            workspaceItemTenants[itemID] = tenantID

        case .contextSummaryUpdated(let tenantID, let text):
            tenants[tenantID]?.workspace.contextSummary = ContextSummary(text: text, authorship: Authorship(author: record.actor, at: now))

        case .webhookCreated(let webhookID, let url, let eventTypes, let description, let startAfter, let secretNonce):
            webhooks[webhookID] = Webhook(
                id: webhookID,
                url: url,
                eventTypes: eventTypes,
                description: description,
                startAfter: startAfter,
                secretNonce: secretNonce,
                createdAt: now,
                createdBy: record.actor,
                status: .active
            )
            webhookOrder.append(webhookID)

        case .webhookDeleted(let webhookID):
            webhooks[webhookID] = nil
            webhookOrder.removeAll { $0 == webhookID }

        case .webhookPaused(let webhookID, let cause, let reason):
            webhooks[webhookID]?.status = .paused(cause, reason: reason)

        case .webhookResumed(let webhookID):
            // An org admin resuming a webhook whose owner lost their place takes it over.
            if case .paused(.creatorLostAccess, _)? = webhooks[webhookID]?.status { webhooks[webhookID]?.owner = record.actor }
            webhooks[webhookID]?.status = .active

        case .organisationUpdated(let name, let settings):
            self.name = name
            self.settings = settings

        case .webhookUpdated(let webhookID, let url, let eventTypes, let description):
            webhooks[webhookID]?.url = url
            webhooks[webhookID]?.eventTypes = eventTypes
            webhooks[webhookID]?.description = description
            webhooks[webhookID]?.owner = record.actor

        case .webhookPinged:
            break

        case .invitationLocaleSet(let invitationID, let locale):
            modifyInvitation(invitationID) { $0.locale = locale }

        case .invitationReinvited(let invitationID, let previous):
            modifyInvitation(invitationID) { $0.reinviteOf = previous }

        case .invitationRedirectSet(let invitationID, let url):
            modifyInvitation(invitationID) { $0.redirect = url }

        case .collaboratorRedirectSet(let collaboratorID, let url):
            collaborators[collaboratorID]?.redirect = url

        case .webhookSecretRotated(let webhookID, let nonce, let previousUntil):
            webhooks[webhookID]?.rotate(to: nonce, previousUntil: previousUntil, at: now)
            webhooks[webhookID]?.owner = record.actor
        }

        audit.append(line)
    }

    /// Changes an invitation in place and keeps the pending index true to its status.
    private mutating func modifyInvitation(_ invitationID: InvitationID, _ change: (inout Invitation) -> Void) {
        guard let number = invitations.position(of: invitationID) else { return }
        var invitation = invitations.storedRows[number]
        let wasPending = invitation.status == .pending
        let email = invitation.email
        change(&invitation)
        if wasPending, invitation.status != .pending, pendingInvitationRows.remove(number, hash: Self.rowHash(of: email)) {
            invitation.link = nil
        }
        invitations[invitationID] = invitation
    }
}
