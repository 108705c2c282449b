import MusterDomain
import MusterJSON

extension Wire {
    /// A collaborator row: a person's assignment to a tenant's case in one participation mode.
    static let collaborator = WireShape<Collaborator, OrganisationID>([
        .field("id") { row, _ in row.id },
        .field("org_id") { _, orgID in orgID },
        .field("tenant_id") { row, _ in row.tenantID },
        .field("mode") { row, _ in row.mode },
        .field("user_id") { row, _ in row.userID },
        .field("email") { row, _ in row.email },
        .field("full_name") { row, _ in row.fullName },
        .custom("contact", .nullable(.ref("ContactPatch"))) { object, row, _ in
            if let contact = row.contact {
                object.object("contact") { card in
                    card.field("contact_name", contact.name)
                    card.field("contact_email", contact.email)
                    card.field("contact_phone", contact.phone)
                    card.field("contact_organisation_name", contact.organisationName)
                    card.field("contact_role_label", contact.roleLabel)
                }
            } else {
                object.field("contact", String?.none)
            }
        },
        .field("status", schema: .enumeration(["invited", "active", "contact", "ended"])) { row, _ in
            row.endedAt != nil ? "ended" : row.mode == .referenceOnly ? "contact" : row.activatedAt != nil ? "active" : "invited"
        },
        .field("invited_by") { row, _ in row.invitedBy },
        .field("invited_at") { row, _ in row.invitedAt },
        .field("cap_overridden") { row, _ in row.capOverridden },
        .field("activated_at") { row, _ in row.activatedAt },
        .field("link_expires_at") { row, _ in row.linkExpiresAt },
        .field("redirect_url") { row, _ in row.redirect?.value },
        .field("ended_at") { row, _ in row.endedAt },
        .field("ended_by") { row, _ in row.endedBy },
    ])
}
