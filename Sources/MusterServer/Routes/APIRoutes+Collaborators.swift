import HTTPTypes
import Hummingbird
import MusterDomain
import MusterEngine
import MusterJSON

extension APIRoutes {
    /// Tenants and their collaborators: create and list tenants; invite (one or a batch), list,
    /// edit and end collaborators.
    func registerCollaborators(on org: RouterGroup<OrgRequestContext>) {
        post(org, "tenants", command: "create_tenant") { request, context in
            let principal = context.principal
            let orgID = context.org
            var fields = try await request.fields(context: context)
            let name = try fields.string("name", maxLength: 200)
            let reference = try fields.optionalString("reference", maxLength: 200)
            try fields.finish()
            let tenant = try await engine.createTenant(org: orgID, name: name, reference: reference, by: principal, context: context.command)
            return APIResponse.json(.created) { $0.tenant(tenant) }.located("/v1/orgs/\(orgID)/tenants/\(tenant.id)")
        }

        get(org, "tenants") { request, context in
            let principal = context.principal
            let orgID = context.org
            let (cursor, limit) = try request.pageQuery()
            let page = try await engine.tenants(org: orgID, matching: request.query("q"), after: cursor, limit: limit, by: principal)
            return APIResponse.page(page) { $0.tenant($1) }
        }

        get(org, "tenants/{tenant}") { _, context in
            let (tenant, asStaff) = try await engine.tenant(org: context.org, try context.pathID("tenant", as: TenantID.self), by: context.principal)
            guard asStaff else {
                // A collaborator sees the case's name, as in their caseload: the org's own
                // reference and who created it are staff matters.
                return .json { json in
                    json.object { object in
                        object.field("id", tenant.id)
                        object.field("name", tenant.name)
                        object.field("created_at", tenant.createdAt)
                    }
                }
            }
            return .json { $0.tenant(tenant) }
        }

        post(org, "tenants/{tenant}/collaborators", command: "invite_collaborator") { request, context in
            let principal = context.principal
            let orgID = context.org
            let tenantID: TenantID = try context.pathID("tenant")
            var fields = try await request.fields(context: context)
            let (mode, invitee, overrideCap) = try Self.collaboratorFields(&fields)
            let redirect = try fields.optionalRedirect("redirect_url")
            try fields.finish()
            let issued = try await engine.inviteCollaborator(
                org: orgID,
                tenant: tenantID,
                mode: mode,
                invitee: invitee,
                overrideCap: overrideCap,
                redirect: redirect,
                by: principal,
                context: context.command
            )
            return APIResponse.json(.created) { $0.collaborator(issued.collaborator, orgID: orgID) }
        }

        post(org, "tenants/{tenant}/collaborators/batch", command: "invite_collaborator_batch") { request, context in
            let principal = context.principal
            let orgID = context.org
            let tenantID: TenantID = try context.pathID("tenant")
            let items = try await batchItems(&request, context: context)
            let engine = try engine
            let results = await Self.forEachItem(items) { index, item throws -> IssuedCollaborator in
                var fields = try RequestFields(item, path: "items[\(index)].")
                let (mode, invitee, overrideCap) = try Self.collaboratorFields(&fields)
                let redirect = try fields.optionalRedirect("redirect_url")
                try fields.finish()
                return try await engine.inviteCollaborator(
                    org: orgID,
                    tenant: tenantID,
                    mode: mode,
                    invitee: invitee,
                    overrideCap: overrideCap,
                    redirect: redirect,
                    by: principal,
                    context: context.command
                )
            }
            return batchResponse(results) { json, issued in json.collaborator(issued.collaborator, orgID: orgID) }
        }

        get(org, "tenants/{tenant}/collaborators") { request, context in
            let principal = context.principal
            let orgID = context.org
            let tenantID: TenantID = try context.pathID("tenant")
            let team = try await engine.team(org: orgID, tenant: tenantID, by: principal)
            return .json { json in
                json.object { object in
                    object.array("items", team) { $0.collaborator($1, orgID: orgID) }
                    object.field("next_cursor", String?.none)
                }
            }
        }

        patch(org, "tenants/{tenant}/collaborators/{id}", command: "update_contact") { request, context in
            let principal = context.principal
            let orgID = context.org
            let tenantID: TenantID = try context.pathID("tenant")
            let collaboratorID: CollaboratorID = try context.pathID("id")
            var fields = try await request.fields(context: context)
            let engine = try engine
            // A partial edit: fields left out keep their value.
            let team = try await engine.team(org: orgID, tenant: tenantID, by: principal)
            guard let row = team.first(where: { $0.id == collaboratorID }) else {
                throw Problem(DomainError.notFound("collaborator \(collaboratorID) is not on tenant \(tenantID)'s team"))
            }
            guard var card = row.contact else {
                throw Problem(
                    DomainError(
                        .notReferenceOnly,
                        "only a reference_only contact card can be edited; a \(row.mode.name) collaborator is changed by ending and inviting again"
                    )
                )
            }
            if fields.contains("contact_name") { card.name = try fields.string("contact_name", maxLength: 200) }
            if fields.contains("contact_email") { card.email = try fields.optionalEmail("contact_email") }
            if fields.contains("contact_phone") { card.phone = try fields.optionalString("contact_phone", maxLength: 50) }
            if fields.contains("contact_organisation_name") {
                card.organisationName = try fields.optionalString("contact_organisation_name", maxLength: 200)
            }
            if fields.contains("contact_role_label") { card.roleLabel = try fields.optionalString("contact_role_label", maxLength: 200) }
            try fields.finish()
            let updated = try await engine.updateContact(
                org: orgID,
                tenant: tenantID,
                id: collaboratorID,
                contact: card,
                by: principal,
                context: context.command
            )
            return .json { $0.collaborator(updated, orgID: orgID) }
        }

        post(org, "tenants/{tenant}/collaborators/{id}/end", command: "end_collaborator") { request, context in
            let principal = context.principal
            let orgID = context.org
            let tenantID: TenantID = try context.pathID("tenant")
            let collaboratorID: CollaboratorID = try context.pathID("id")
            try await request.expectNoFields(context: context)
            let row = try await engine.endCollaborator(org: orgID, tenant: tenantID, id: collaboratorID, by: principal, context: context.command)
            return .json { $0.collaborator(row, orgID: orgID) }
        }
    }

    /// `mode` and who: `email` + `full_name` for the account modes, the `contact_…` card for
    /// `reference_only`; `override_cap` to pass the caseload cap deliberately.
    static func collaboratorFields(_ fields: inout RequestFields) throws(Problem) -> (ParticipationMode, CollaboratorInvitee, Bool) {
        let mode = try fields.spelled("mode", as: ParticipationMode.self)
        let overrideCap = try fields.optionalBool("override_cap") ?? false
        switch mode {
        case .full, .contextOnly:
            for key in ["contact_name", "contact_email", "contact_phone", "contact_organisation_name", "contact_role_label"]
            where fields.contains(key) {
                throw Problem(
                    .unprocessableContent,
                    code: "validation_failed",
                    "field `\(key)` is for reference_only contacts; a \(mode.name) collaborator takes `email` and `full_name`"
                )
            }
            let email = try fields.email("email")
            let fullName = try fields.string("full_name", maxLength: 200)
            return (mode, .person(email: email, fullName: fullName), overrideCap)
        case .referenceOnly:
            for key in ["email", "full_name"] where fields.contains(key) {
                throw Problem(
                    .unprocessableContent,
                    code: "validation_failed",
                    "field `\(key)` is for full and context_only collaborators; a reference_only contact takes `contact_name` and `contact_email` or `contact_phone`"
                )
            }
            let card = ContactCard(
                name: try fields.string("contact_name", maxLength: 200),
                email: try fields.optionalEmail("contact_email"),
                phone: try fields.optionalString("contact_phone", maxLength: 50),
                organisationName: try fields.optionalString("contact_organisation_name", maxLength: 200),
                roleLabel: try fields.optionalString("contact_role_label", maxLength: 200)
            )
            return (mode, .contact(card), overrideCap)
        }
    }
}
