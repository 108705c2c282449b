import MusterDomain
import MusterSecurity

/// A collaborator as just invited, with the token of their magic link (account modes only).
public struct IssuedCollaborator: Sendable {
    public var collaborator: Collaborator
    /// The link to email; `nil` for reference-only contacts, who get no email.
    public var token: String?
    /// The org's name, for the email.
    public var orgName: String
}

/// Who to invite as a collaborator.
public enum CollaboratorInvitee: Sendable {
    /// A `full` or `context_only` collaborator with an account.
    case person(email: EmailAddress, fullName: String)
    /// A `reference_only` contact card.
    case contact(ContactCard)
}

extension MusterEngine {
    /// Creates a tenant (a person whose case the org works).
    public func createTenant(
        org orgID: OrganisationID,
        name: String,
        reference: String? = nil,
        by principal: Principal,
        context: CommandContext = .detached
    ) async throws -> Tenant {
        let tenantID = TenantID.timeOrdered()
        return try await run(.createTenant(id: tenantID, name: name, reference: reference), on: orgID, by: principal, context: context) {
            state throws(DomainError) in
            state.tenants[tenantID]!
        }
    }

    /// A page of the org's tenants.
    public func tenants(
        org orgID: OrganisationID,
        matching query: String? = nil,
        after cursor: UInt64? = nil,
        limit: Int = 100,
        by principal: Principal
    )
        async throws -> Page<Tenant>
    {
        try await read(orgID) { state, _ throws(DomainError) in try state.tenantsPage(for: principal, after: cursor, limit: limit, matching: query) }
    }

    /// One tenant, for staff and for those assigned to it, and whether the caller is staff.
    public func tenant(org orgID: OrganisationID, _ tenantID: TenantID, by principal: Principal) async throws -> (tenant: Tenant, asStaff: Bool) {
        try await read(orgID) { state, _ throws(DomainError) in try state.tenant(tenantID, for: principal) }
    }

    /// Invites a collaborator onto a tenant's case in `mode`.
    ///
    /// For the account modes the person's user is created when the email is new, with a
    /// support-provider organisation as identity container, and a magic link is issued; the
    /// caseload cap is checked against the person's assignments in every org. Reference-only
    /// contacts get a card and nothing else.
    public func inviteCollaborator(
        org orgID: OrganisationID,
        tenant tenantID: TenantID,
        mode: ParticipationMode,
        invitee: CollaboratorInvitee,
        overrideCap: Bool = false,
        redirect: RedirectURL? = nil,
        by principal: Principal,
        context: CommandContext = .detached
    ) async throws -> IssuedCollaborator {
        let collaboratorID = CollaboratorID.timeOrdered()
        var request = OrgCommand.CollaboratorRequest(id: collaboratorID, tenantID: tenantID, mode: mode, overrideCap: overrideCap, redirect: redirect)
        var token: String?
        var directoryPosition: LogPosition = 0

        switch (mode, invitee) {
        case (.full, .person(let email, let fullName)), (.contextOnly, .person(let email, let fullName)):
            // Check first, so a refused invite creates no user.
            _ = try await read(orgID) { state, _ throws(DomainError) in
                try state.checkCanInviteCollaborator(onto: tenantID, by: principal)
                try state.requireAllowedDomain(email, toDo: "inviting a collaborator")
            }
            let ensured = try await directory.ensureUser(
                email: email,
                creation: { userID in
                    let identity = IdentityOrganisation(id: .timeOrdered(), name: "\(fullName.trimmingWhitespace()) (support provider)")
                    return .createUser(
                        id: userID,
                        email: email,
                        fullName: fullName,
                        origin: .collaborator,
                        createdFor: orgID,
                        passwordHash: nil,
                        identityOrganisation: identity
                    )
                },
                by: principal
            )
            directoryPosition = ensured.position
            request.person = .init(userID: ensured.user.id, email: email, fullName: fullName)
            request.caseload = await people.activeTenantCount(of: ensured.user.id)
            let signed = signer.sign(LinkToken(purpose: .collaborator, orgID: orgID, target: collaboratorID, nonce: RandomSecret.nonce()))
            request.seal = signed.seal
            token = signed.token
        case (.referenceOnly, .contact(let card)):
            request.contact = card
        case (.referenceOnly, .person):
            throw DomainError.validation(
                "a reference_only collaborator gets no account: give a contact card (contact_name and contact_email or contact_phone)"
            )
        case (_, .contact):
            throw DomainError.validation("a \(mode.name) collaborator needs an email and a full name")
        }

        let (collaborator, orgName) = try await run(.inviteCollaborator(request), on: orgID, by: principal, context: context) {
            state throws(DomainError) in
            (state.collaborators[collaboratorID]!, state.name)
        }
        try await durable(directoryPosition)
        return IssuedCollaborator(collaborator: collaborator, token: token, orgName: orgName)
    }

    /// Ends an assignment: from the next request on the person no longer sees the tenant. With
    /// `tenant`, a row of another tenant is `not_found` (the API's paths name both).
    public func endCollaborator(
        org orgID: OrganisationID,
        tenant tenantID: TenantID? = nil,
        id collaboratorID: CollaboratorID,
        by principal: Principal,
        context: CommandContext = .detached
    )
        async throws -> Collaborator
    {
        try await requireCollaborator(collaboratorID, of: tenantID, in: orgID)
        return try await run(.endCollaborator(id: collaboratorID), on: orgID, by: principal, context: context) { state throws(DomainError) in
            state.collaborators[collaboratorID]!
        }
    }

    /// Edits a reference-only contact card; no email is sent. With `tenant`, a row of another
    /// tenant is `not_found`.
    public func updateContact(
        org orgID: OrganisationID,
        tenant tenantID: TenantID? = nil,
        id collaboratorID: CollaboratorID,
        contact: ContactCard,
        by principal: Principal,
        context: CommandContext = .detached
    ) async throws -> Collaborator {
        try await requireCollaborator(collaboratorID, of: tenantID, in: orgID)
        return try await run(.updateContact(id: collaboratorID, contact: contact), on: orgID, by: principal, context: context) {
            state throws(DomainError) in
            state.collaborators[collaboratorID]!
        }
    }

    /// The tenant's team as staff see it, reference-only contacts and ended rows included.
    public func team(org orgID: OrganisationID, tenant tenantID: TenantID, by principal: Principal) async throws -> [Collaborator] {
        try await read(orgID) { state, _ throws(DomainError) in try state.team(of: tenantID, for: principal) }
    }

    /// Refuses with `not_found` when the row is not one of `tenantID`'s (a row never moves
    /// between tenants, so checking before the command is enough).
    private func requireCollaborator(_ collaboratorID: CollaboratorID, of tenantID: TenantID?, in orgID: OrganisationID) async throws {
        guard let tenantID else { return }
        let belongs = try await org(orgID).read { state, _ in state.collaborators[collaboratorID]?.tenantID == tenantID }.0
        if !belongs { throw DomainError.notFound("collaborator \(collaboratorID) is not on tenant \(tenantID)'s team") }
    }
}
