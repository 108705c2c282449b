extension OrgState {
    func decideCreateTenant(
        _ tenantID: TenantID,
        name: String,
        reference: String?,
        by principal: Principal,
        policy: Policy
    ) throws(DomainError) -> [OrgEvent] {
        guard staffWrites(principal) else { throw .forbidden("only staff who may write cases create tenants") }
        guard tenants[tenantID] == nil else {
            throw DomainError(.conflict, "tenant \(tenantID) exists already", existingRecord: tenantID.description)
        }
        let name = try Validate.name(name, field: "name", policy: policy)
        let reference = try Validate.optionalName(reference, field: "reference", policy: policy)
        return [.tenantCreated(id: tenantID, name: name, reference: reference)]
    }

    /// Refuses unless `principal` may invite collaborators onto `tenantID` and the tenant exists.
    /// The engine asks this before it creates a new collaborator's user in the directory.
    public func checkCanInviteCollaborator(onto tenantID: TenantID, by principal: Principal) throws(DomainError) {
        try require(.collaboratorsInvite, of: principal, toDo: "invite collaborators")
        guard tenants[tenantID] != nil else { throw DomainError(.tenantNotFound, "tenant \(tenantID) does not exist in this organisation") }
    }

    func decideInviteCollaborator(
        _ request: OrgCommand.CollaboratorRequest,
        by principal: Principal,
        at now: Timestamp,
        policy: Policy
    ) throws(DomainError)
        -> [OrgEvent]
    {
        try checkCanInviteCollaborator(onto: request.tenantID, by: principal)
        guard collaborators[request.id] == nil else { throw DomainError(.conflict, "collaborator \(request.id) exists already") }
        // Passing the cap is an org admin's decision, whatever keys the inviter holds.
        if request.overrideCap, !isOrgAdmin(principal) {
            throw DomainError(.capOverrideNotAllowed, "only org admins and the platform admin may override the caseload cap")
        }
        var invited = OrgEvent.CollaboratorInvitation(id: request.id, tenantID: request.tenantID, mode: request.mode, capOverridden: false)

        switch request.mode {
        case .full, .contextOnly:
            guard let person = request.person, request.contact == nil else {
                throw .validation("a \(request.mode.name) collaborator needs an email and a full name, and no contact card")
            }
            guard let seal = request.seal else { throw .validation("a \(request.mode.name) collaborator needs a magic link") }
            try requireAllowedDomain(person.email, toDo: "inviting a collaborator")
            if let existing = activeAssignment(tenant: request.tenantID, user: person.userID) {
                throw DomainError(
                    .collaboratorExists,
                    "\(person.email) is already assigned to this tenant as \(existing.mode.name); end that assignment first to change the mode",
                    existingRecord: existing.id.description
                )
            }
            if request.caseload >= policy.caseloadCap {
                guard request.overrideCap else {
                    // The count includes other orgs' cases, which are not this org's to learn:
                    // the refusal says only that the cap is reached.
                    throw DomainError(
                        .caseloadCapReached,
                        "\(person.email) has reached the caseload cap of \(policy.caseloadCap) active tenants; an admin may override it explicitly"
                    )
                }
                invited.capOverridden = true
            }
            invited.userID = person.userID
            invited.email = person.email
            invited.fullName = try Validate.name(person.fullName, field: "full_name", policy: policy)
            invited.seal = seal
            invited.linkExpiresAt = now.adding(policy.collaboratorLinkLifetime)

        case .referenceOnly:
            guard let contact = request.contact, request.person == nil, request.seal == nil else {
                throw .validation(
                    "a reference_only collaborator needs a contact card (contact_name and contact_email or contact_phone) and gets no account"
                )
            }
            invited.contact = try validatedContact(contact, policy: policy)
        }
        guard let redirect = request.redirect else { return [.collaboratorInvited(invited)] }
        guard request.mode != .referenceOnly else { throw .validation("a reference_only contact gets no link, so no redirect_url") }
        try requireAllowedRedirect(redirect)
        return [.collaboratorInvited(invited), .collaboratorRedirectSet(id: request.id, url: redirect)]
    }

    func decideActivateCollaborator(
        _ collaboratorID: CollaboratorID,
        link proof: LinkProof,
        userID: UserID,
        at now: Timestamp
    ) throws(DomainError)
        -> [OrgEvent]
    {
        let collaborator = try activatableCollaborator(collaboratorID, link: proof, at: now)
        guard collaborator.userID == userID else { throw DomainError(.tokenInvalid, "this link was issued to someone else") }
        return [.collaboratorActivated(id: collaboratorID, userID: userID)]
    }

    /// The collaborator row a link names, checked for activation at `now`: active, not yet
    /// activated, the link current and unexpired.
    public func activatableCollaborator(
        _ collaboratorID: CollaboratorID,
        link proof: LinkProof,
        at now: Timestamp
    ) throws(DomainError) -> Collaborator {
        guard let collaborator = collaborators[collaboratorID], collaborator.mode != .referenceOnly else {
            throw DomainError(.tokenInvalid, "this link does not belong to any assignment")
        }
        guard collaborator.isActive else { throw DomainError(.collaboratorEnded, "this assignment has ended") }
        guard collaborator.activatedAt == nil, let check = collaborator.link else {
            throw DomainError(.tokenUsed, "this link has been used already; ask for a sign-in link instead")
        }
        guard check.admits(proof) else { throw DomainError(.tokenInvalid, "this link is not valid") }
        if let email = collaborator.email { try requireAllowedDomain(email, toDo: "taking up this assignment") }
        if let expiresAt = collaborator.linkExpiresAt, now >= expiresAt {
            throw DomainError(.tokenExpired, "this link has expired; ask for a sign-in link instead")
        }
        return collaborator
    }

    func decideEndCollaborator(_ collaboratorID: CollaboratorID, by principal: Principal) throws(DomainError) -> [OrgEvent] {
        try require(.collaboratorsEnd, of: principal, toDo: "end assignments")
        let collaborator = try activeCollaborator(collaboratorID)
        return [.collaboratorEnded(id: collaborator.id)]
    }

    func decideUpdateContact(
        _ collaboratorID: CollaboratorID,
        contact: ContactCard,
        by principal: Principal,
        policy: Policy
    ) throws(DomainError) -> [OrgEvent] {
        try require(.collaboratorsInvite, of: principal, toDo: "edit contact cards")
        let collaborator = try activeCollaborator(collaboratorID)
        guard collaborator.mode == .referenceOnly else {
            throw DomainError(
                .notReferenceOnly,
                "only reference_only contact cards can be edited; a \(collaborator.mode.name) collaborator's details are their account's"
            )
        }
        let card = try validatedContact(contact, policy: policy)
        guard card != collaborator.contact else { return [] }
        return [.collaboratorContactUpdated(id: collaboratorID, contact: card)]
    }

    private func activeCollaborator(_ collaboratorID: CollaboratorID) throws(DomainError) -> Collaborator {
        guard let collaborator = collaborators[collaboratorID] else {
            throw .notFound("collaborator \(collaboratorID) does not exist in this organisation")
        }
        guard collaborator.isActive else {
            throw DomainError(.collaboratorEnded, "the assignment of collaborator \(collaboratorID) has ended already")
        }
        return collaborator
    }

    /// A contact card trimmed and checked: a name, and an email or a phone number.
    private func validatedContact(_ card: ContactCard, policy: Policy) throws(DomainError) -> ContactCard {
        var result = ContactCard(name: try Validate.name(card.name, field: "contact_name", policy: policy))
        result.email = card.email
        if let phone = card.phone?.trimmingWhitespace(), !phone.isEmpty {
            let digits = phone.unicodeScalars.filter { ("0"..."9").contains($0) }.count
            let allowed = phone.unicodeScalars.allSatisfy { ("0"..."9").contains($0) || " +-().".unicodeScalars.contains($0) }
            guard allowed, (5...20).contains(digits) else {
                throw .validation("contact_phone '\(phone)' is not a phone number")
            }
            result.phone = phone
        }
        guard result.email != nil || result.phone != nil else {
            throw .validation("a reference_only contact needs contact_email or contact_phone")
        }
        result.organisationName = try Validate.optionalName(card.organisationName, field: "contact_organisation_name", policy: policy)
        result.roleLabel = try Validate.optionalName(card.roleLabel, field: "contact_role_label", policy: policy)
        return result
    }

    /// Whether `principal` is staff who may write to the org's cases: the platform admin, or a
    /// member or key whose role writes.
    public func staffWrites(_ principal: Principal) -> Bool {
        switch principal {
        case .platformAdmin, .system:
            return true
        case .user(let userID):
            guard let member = members[userID], member.isActive else { return false }
            return member.role.writesWorkspace
        case .apiKey(let keyID):
            guard let key = apiKeys[keyID], key.isActive else { return false }
            return key.role.writesWorkspace
        }
    }
}
