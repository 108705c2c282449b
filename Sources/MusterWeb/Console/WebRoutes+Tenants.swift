import Hummingbird
import MusterDomain
import MusterEngine
import MusterWords

extension WebRoutes {
    /// Tenants, a tenant's Team tab (+ Invite a support worker in three modes, End, the
    /// contact card), a collaborator's caseload across orgs, and a case's workspace as the
    /// person's role or mode allows.
    func registerTenants<Context: RequestContext>(on router: Router<Context>) {
        page(router, "/console/orgs/{org}/tenants") { request, context, session in
            try await tenantsPage(try Self.orgID(context), session, notice: Self.notice(request.queryFields["done"], session.words))
        }

        action(
            router,
            "/console/orgs/{org}/tenants",
            { _, context, session, form in
                let orgID = try Self.orgID(context)
                let tenant = try await engine.createTenant(org: orgID, name: form["name"] ?? "", reference: form["reference"], by: session.principal)
                return WebPage.redirect(to: "/console/orgs/\(orgID)/tenants/\(tenant.id)?done=tenant")
            },
            onError: { _, context, session, _, message, status in
                return try await tenantsPage(try Self.orgID(context), session, error: message, status: status)
            }
        )

        page(router, "/console/orgs/{org}/tenants/{tenant}") { request, context, session in
            try await teamPage(
                try Self.orgID(context),
                try Self.pathID("tenant", context),
                session,
                notice: Self.notice(request.queryFields["done"], session.words)
            )
        }

        let backToTeam: @Sendable (Request, Context, ConsoleSession, FormFields, String, HTTPResponse.Status) async throws -> Response = {
            _,
            context,
            session,
            _,
            message,
            status in
            return try await teamPage(try Self.orgID(context), try Self.pathID("tenant", context), session, error: message, status: status)
        }

        action(
            router,
            "/console/orgs/{org}/tenants/{tenant}/collaborators",
            { _, context, session, form in
                let orgID = try Self.orgID(context)
                let tenantID: TenantID = try Self.pathID("tenant", context)
                guard let mode = form["mode"].flatMap({ ParticipationMode(name: $0) }) else {
                    throw DomainError.validation("choose a participation mode")
                }
                let invitee: CollaboratorInvitee
                switch mode {
                case .full, .contextOnly:
                    guard let name = form["full_name"] else {
                        throw DomainError.validation("a \(mode.name) collaborator needs an email and a full name")
                    }
                    invitee = .person(email: try EmailAddress(form["email"] ?? ""), fullName: name)
                case .referenceOnly:
                    invitee = .contact(try Self.contactCard(form))
                }
                _ = try await engine.inviteCollaborator(
                    org: orgID,
                    tenant: tenantID,
                    mode: mode,
                    invitee: invitee,
                    overrideCap: form["override_cap"] == "true",
                    by: session.principal
                )
                return WebPage.redirect(to: "/console/orgs/\(orgID)/tenants/\(tenantID)?done=invited_collaborator")
            },
            onError: backToTeam
        )

        action(
            router,
            "/console/orgs/{org}/tenants/{tenant}/collaborators/{id}/end",
            { _, context, session, _ in
                let orgID = try Self.orgID(context)
                let tenantID: TenantID = try Self.pathID("tenant", context)
                _ = try await engine.endCollaborator(org: orgID, tenant: tenantID, id: try Self.pathID("id", context), by: session.principal)
                return WebPage.redirect(to: "/console/orgs/\(orgID)/tenants/\(tenantID)?done=ended")
            },
            onError: backToTeam
        )

        action(
            router,
            "/console/orgs/{org}/tenants/{tenant}/collaborators/{id}/contact",
            { _, context, session, form in
                let orgID = try Self.orgID(context)
                let tenantID: TenantID = try Self.pathID("tenant", context)
                _ = try await engine.updateContact(
                    org: orgID,
                    tenant: tenantID,
                    id: try Self.pathID("id", context),
                    contact: try Self.contactCard(form),
                    by: session.principal
                )
                return WebPage.redirect(to: "/console/orgs/\(orgID)/tenants/\(tenantID)?done=contact")
            },
            onError: backToTeam
        )

        page(router, "/console/caseload") { _, _, session in
            let entries = try await engine.caseload(of: session.userID)
            var values: [String: Any] = [
                "entries": entries.map {
                    [
                        "orgID": $0.orgID.description, "orgName": $0.orgName, "tenantID": $0.tenantID.description, "tenantName": $0.tenantName,
                        "mode": session.words.mail.mode($0.mode), "since": session.words.mail.date($0.activatedAt ?? $0.since),
                    ]
                }
            ]
            session.fill(&values)
            return pages.render("caseload", title: session.words("common.your_caseload"), values)
        }

        page(router, "/console/orgs/{org}/tenants/{tenant}/case") { request, context, session in
            try await casePage(
                try Self.orgID(context),
                try Self.pathID("tenant", context),
                session,
                notice: Self.notice(request.queryFields["done"], session.words)
            )
        }

        // The workspace's forms: each one engine write, then back to the case.
        let writes: [(path: String, write: @Sendable (TenantID, FormFields) throws(DomainError) -> WorkspaceWrite)] = [
            (
                "notes",
                { tenant, form throws(DomainError) in
                    .note(tenant: tenant, kind: form["kind"] == "professional" ? .professional : .shared, body: form["body"] ?? "")
                }
            ),
            (
                "goals",
                { tenant, form throws(DomainError) in
                    .goal(tenant: tenant, title: form["title"] ?? "", detail: form["detail"].flatMap { $0.isEmpty ? nil : $0 })
                }
            ),
            (
                "sessions",
                { tenant, form throws(DomainError) in
                    .session(tenant: tenant, occurredAt: try Self.localTime(form["occurred_at"]), summary: form["summary"] ?? "")
                }
            ),
            (
                "documents",
                { tenant, form throws(DomainError) in
                    guard let size = form["size_bytes"].flatMap({ Int64($0) }) else { throw .validation("the size must be a whole number of bytes") }
                    return .document(
                        tenant: tenant,
                        name: form["name"] ?? "",
                        contentType: form["content_type"] ?? "",
                        sizeBytes: size,
                        checksum: form["checksum"] ?? ""
                    )
                }
            ),
            ("summary", { tenant, form throws(DomainError) in .contextSummary(tenant: tenant, text: form["text"] ?? "") }),
        ]
        for (path, write) in writes {
            action(
                router,
                RouterPath("/console/orgs/{org}/tenants/{tenant}/\(path)"),
                { _, context, session, form in
                    let orgID = try Self.orgID(context)
                    let tenantID: TenantID = try Self.pathID("tenant", context)
                    _ = try await engine.writeWorkspace(org: orgID, try write(tenantID, form), by: session.principal)
                    return WebPage.redirect(to: "/console/orgs/\(orgID)/tenants/\(tenantID)/case?done=\(path)")
                },
                onError: { _, context, session, _, message, status in
                    return try await casePage(
                        try Self.orgID(context),
                        try Self.pathID("tenant", context),
                        session,
                        error: message,
                        status: status
                    )
                }
            )
        }
    }

    /// A `datetime-local` field's value (`2026-12-06T14:30`), read as UTC.
    static func localTime(_ text: String?) throws(DomainError) -> Timestamp {
        guard let text, !text.isEmpty else { throw .validation("say when the session happened") }
        let full = text.count == 16 ? text + ":00Z" : text.hasSuffix("Z") ? text : text + "Z"
        guard let time = Timestamp(iso8601: full) else { throw .validation("\(text) is not a date and time such as 2026-12-06T14:30") }
        return time
    }

    static func contactCard(_ form: FormFields) throws(DomainError) -> ContactCard {
        guard let name = form["contact_name"] else { throw .validation("a contact card needs a contact name, and an email or a phone") }
        return ContactCard(
            name: name,
            email: try form["contact_email"].map { (text) throws(DomainError) in try EmailAddress(text) },
            phone: form["contact_phone"],
            organisationName: form["contact_organisation_name"],
            roleLabel: form["contact_role_label"]
        )
    }

    func tenantsPage(
        _ orgID: OrganisationID,
        _ session: ConsoleSession,
        notice: String? = nil,
        error: String? = nil,
        status: HTTPResponse.Status = .ok
    )
        async throws -> Response
    {
        var values: [String: Any] = [:]
        try await orgHeader(orgID, session, tab: "navTenants", into: &values)
        if let notice { values["notice"] = notice }
        if let error { values["error"] = error }
        let page = try await engine.tenants(org: orgID, limit: 500, by: session.principal)
        values["tenants"] = page.items.map {
            ["id": $0.id.description, "name": $0.name, "reference": $0.reference ?? "", "orgID": orgID.description]
        }
        return pages.render("tenants", title: session.words("common.tenants"), values, status: status)
    }

    func teamPage(
        _ orgID: OrganisationID,
        _ tenantID: TenantID,
        _ session: ConsoleSession,
        notice: String? = nil,
        error: String? = nil,
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let (tenant, asStaff) = try await engine.tenant(org: orgID, tenantID, by: session.principal)
        // A collaborator opening the Team tab gets their own view of the case instead.
        guard asStaff else { return try await casePage(orgID, tenantID, session) }
        var values: [String: Any] = [:]
        try await orgHeader(orgID, session, tab: "navTenants", into: &values)
        if let notice { values["notice"] = notice }
        if let error { values["error"] = error }
        values["tenantID"] = tenantID.description
        values["tenantName"] = tenant.name
        let team = try await engine.team(org: orgID, tenant: tenantID, by: session.principal)
        let csrf = session.formToken
        let words = session.words
        values["team"] = team.map { row -> [String: Any] in
            let card = row.contact
            var entry: [String: Any] = [
                "id": row.id.description, "orgID": orgID.description, "tenantID": tenantID.description, "csrf": csrf,
                "who": card?.name ?? [row.fullName, row.email?.value].compactMap { $0 }.joined(separator: " · "),
                "mode": words("mode.\(row.mode.name)"),
                "status": words(
                    "team.\(row.endedAt != nil ? "ended" : row.mode == .referenceOnly ? "contact" : row.activatedAt != nil ? "active" : "invited")"
                ),
                "active": row.isActive,
            ]
            if let card {
                entry["contactLine"] = [card.email?.value, card.phone, card.roleLabel, card.organisationName].compactMap { $0 }.joined(
                    separator: " · "
                )
                if row.isActive {
                    entry["editable"] = true
                    entry["contactName"] = card.name
                    entry["contactEmail"] = card.email?.value ?? ""
                    entry["contactPhone"] = card.phone ?? ""
                    entry["contactOrganisation"] = card.organisationName ?? ""
                    entry["contactRole"] = card.roleLabel ?? ""
                }
            }
            return entry
        }
        return pages.render("team", title: tenant.name, values, status: status)
    }

    func casePage(
        _ orgID: OrganisationID,
        _ tenantID: TenantID,
        _ session: ConsoleSession,
        notice: String? = nil,
        error: String? = nil,
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let workspace = try await engine.workspace(org: orgID, tenant: tenantID, by: session.principal)
        let access = workspace.access
        var values: [String: Any] = [
            "orgID": orgID.description, "tenantID": tenantID.description, "tenantName": workspace.tenantName,
            "orgName": try await engine.orgName(orgID),
        ]
        session.fill(&values)
        if let error { values["error"] = error }
        if let notice { values["notice"] = notice }
        let mode = try await engine.caseload(of: session.userID).first { $0.tenantID == tenantID && $0.orgID == orgID }?.mode
        let words = session.words.mail
        values["viewAs"] = mode.map { session.words("case.view_as", ["mode": words.mode($0)]) } ?? session.words("case.view_as_staff")
        // Someone who does not see the team reads authors as the domain's three words.
        let anonymous = ["you": "case.author_you", "staff": "case.author_staff", "a collaborator": "case.author_collaborator"]
        func by(_ authorship: Authorship) -> String {
            let name = workspace.authorNames[authorship.author] ?? ""
            return anonymous[name].map { session.words($0) } ?? name
        }
        values["showNotes"] = access.contains(.readSharedNotes) || access.contains(.readProfessionalNotes)
        values["canWriteNotes"] = access.contains(.writeSharedNotes)
        values["canWriteProfessional"] = access.contains(.writeProfessionalNotes)
        values["notes"] = workspace.notes.map {
            [
                "kind": $0.kind == .shared ? session.words("case.shared") : session.words("case.professional"), "body": $0.body,
                "by": by($0.authorship),
                "at": words.date($0.authorship.at),
            ]
        }
        values["showGoals"] = access.contains(.readGoals)
        values["canWriteGoals"] = access.contains(.writeGoals)
        values["goals"] = workspace.goals.map {
            ["title": $0.title, "detail": $0.detail ?? "", "by": by($0.authorship), "at": words.date($0.authorship.at)] as [String: Any]
        }
        values["showSessions"] = access.contains(.readAllSessions) || access.contains(.readOwnSessions) || access.contains(.recordSessions)
        values["canRecordSessions"] = access.contains(.recordSessions)
        values["sessions"] = workspace.sessions.sorted { $0.occurredAt > $1.occurredAt }.map {
            ["when": words.date($0.occurredAt), "summary": $0.summary, "by": by($0.authorship)]
        }
        values["showDocuments"] = access.contains(.readDocuments)
        values["canWriteDocuments"] = access.contains(.writeDocuments)
        values["documents"] = workspace.documents.map {
            [
                "name": $0.name, "type": $0.contentType, "size": session.words("case.bytes", ["count": String($0.sizeBytes)]),
                "by": by($0.authorship),
                "at": words.date($0.authorship.at),
            ]
        }
        values["showSummary"] = access.contains(.readContextSummary)
        values["canWriteSummary"] = access.contains(.writeContextSummary)
        if let summary = workspace.contextSummary {
            values["contextSummary"] = ["text": summary.text, "by": by(summary.authorship), "at": words.date(summary.authorship.at)]
        }
        return pages.render("case", title: workspace.tenantName, values, status: status)
    }
}
