import Hummingbird
import MusterDomain
import MusterEngine
import MusterWords

extension WebRoutes {
    /// Settings → User Management: the members with their roles and keys, the Invitations tab
    /// with its status filter, the Add User menu, Revoke and Resend.
    func registerPeople<Context: RequestContext>(on router: Router<Context>) {
        page(router, "/console/orgs/{org}/users") { request, context, session in
            let query = request.queryFields
            let notice = Self.notice(query["done"], session.words)
            return try await usersPage(
                try Self.orgID(context),
                session,
                invitationsTab: query["tab"] == "invitations",
                status: query["status"],
                notice: notice
            )
        }

        let back: @Sendable (Request, Context, ConsoleSession, FormFields, String, HTTPResponse.Status) async throws -> Response = {
            request,
            context,
            session,
            typed,
            message,
            status in
            let orgID = try Self.orgID(context)
            let tab = request.uri.path.contains("/invitations")
            return try await usersPage(orgID, session, invitationsTab: tab, status: nil, error: message, status: status, typed: typed)
        }

        action(
            router,
            "/console/orgs/{org}/invitations",
            { _, context, session, form in
                let orgID = try Self.orgID(context)
                let email = try EmailAddress(form["email"] ?? "")
                let role = try Self.role(form["role"])
                let method: Invitation.Method = form["method"] == "existing_user" ? .existingUser : .email
                let days = try form["expires_in_days"].map { (text) throws(DomainError) -> Int in
                    guard let days = Int(text) else { throw .validation("expires after must be a whole number of days, 1 to 30") }
                    return days
                }
                _ = try await engine.invite(org: orgID, email: email, role: role, method: method, lifetimeDays: days, by: session.principal)
                return WebPage.redirect(to: "/console/orgs/\(orgID)/users?tab=invitations&done=invited")
            },
            onError: back
        )

        action(
            router,
            "/console/orgs/{org}/users",
            { _, context, session, form in
                let orgID = try Self.orgID(context)
                let created = try await engine.createUserWithTemporaryPassword(
                    org: orgID,
                    email: try EmailAddress(form["email"] ?? ""),
                    fullName: form["full_name"],
                    role: try Self.role(form["role"]),
                    by: session.principal
                )
                // The temporary password is shown on this answer only, never on a page one could reload.
                return try await usersPage(
                    orgID,
                    session,
                    invitationsTab: false,
                    status: nil,
                    notice: session.words("notice.user_created"),
                    temporaryPassword: (created.member.email.value, created.temporaryPassword)
                )
            },
            onError: back
        )

        // The actions on one invitation: each one engine call, then back to the Invitations tab
        // with the notice its code names.
        let invitationActions:
            [(path: String, done: String, run: @Sendable (MusterEngine, OrganisationID, InvitationID, FormFields, Principal) async throws -> Void)] =
                [
                    (
                        "revoke", "revoked",
                        { engine, org, id, form, by in _ = try await engine.revokeInvitation(org: org, id: id, reason: form["reason"], by: by) }
                    ),
                    ("reinvite", "reinvited", { engine, org, id, _, by in _ = try await engine.reinvite(org: org, id: id, by: by) }),
                    ("resend", "resent", { engine, org, id, _, by in _ = try await engine.resendInvitation(org: org, id: id, by: by) }),
                ]
        for (path, done, run) in invitationActions {
            action(
                router,
                RouterPath("/console/orgs/{org}/invitations/{id}/\(path)"),
                { _, context, session, form in
                    let orgID = try Self.orgID(context)
                    try await run(try engine, orgID, try Self.pathID("id", context), form, session.principal)
                    return WebPage.redirect(to: "/console/orgs/\(orgID)/users?tab=invitations&done=\(done)")
                },
                onError: back
            )
        }

        action(
            router,
            "/console/orgs/{org}/members/{user}/role",
            { _, context, session, form in
                let orgID = try Self.orgID(context)
                _ = try await engine.changeRole(
                    org: orgID,
                    user: try Self.pathID("user", context),
                    to: try Self.role(form["role"]),
                    by: session.principal
                )
                return WebPage.redirect(to: "/console/orgs/\(orgID)/users?done=role")
            },
            onError: back
        )

        action(
            router,
            "/console/orgs/{org}/members/{user}/grants",
            { _, context, session, form in
                let orgID = try Self.orgID(context)
                guard let key = form["key"].flatMap({ name in Permission.allCases.first { $0.key == name } }) else {
                    throw DomainError.validation("choose a permission key")
                }
                let keys = PermissionSet(key)
                let grant = form["change"] == "withdraw" ? PermissionSet() : keys
                _ = try await engine.changeGrants(
                    org: orgID,
                    user: try Self.pathID("user", context),
                    grant: grant,
                    withdraw: grant.isEmpty ? keys : [],
                    by: session.principal
                )
                return WebPage.redirect(to: "/console/orgs/\(orgID)/users?done=grants")
            },
            onError: back
        )

        action(
            router,
            "/console/orgs/{org}/members/{user}/remove",
            { _, context, session, _ in
                let orgID = try Self.orgID(context)
                _ = try await engine.removeMember(org: orgID, user: try Self.pathID("user", context), by: session.principal)
                return WebPage.redirect(to: "/console/orgs/\(orgID)/users?done=removed")
            },
            onError: back
        )

        action(
            router,
            "/console/orgs/{org}/members/{user}/reset-password",
            { _, context, session, _ in
                let orgID = try Self.orgID(context)
                let userID: UserID = try Self.pathID("user", context)
                let password = try await engine.resetPassword(org: orgID, user: userID, by: session.principal)
                let email = try await engine.members(org: orgID, by: session.principal).items.first { $0.userID == userID }?.email.value ?? ""
                return try await usersPage(
                    orgID,
                    session,
                    invitationsTab: false,
                    status: nil,
                    notice: session.words("notice.password_reset"),
                    temporaryPassword: (email, password)
                )
            },
            onError: back
        )
    }

    /// What a `done` code in the URL says: only the catalogue's fixed words, never text from
    /// the URL.
    static func notice(_ code: String?, _ words: ConsoleText) -> String? {
        guard let code, noticeCodes.contains(code) else { return nil }
        return words("notice.\(code)")
    }

    /// The `done` codes the console's redirects carry.
    static let noticeCodes: Set<String> = [
        "invited", "revoked", "resent", "reinvited", "role", "grants", "removed", "tenant", "invited_collaborator", "ended", "contact", "note",
        "notes",
        "goals", "sessions", "documents", "summary", "key_revoked",
    ]

    static func role(_ name: String?) throws(DomainError) -> Role {
        guard let name, let role = Role(name: name) else {
            throw .validation("choose a role: \(Role.assignable.map(\.name).joined(separator: ", "))")
        }
        guard role.isAssignable else { throw .roleNotAssignable(role) }
        return role
    }

    /// The roles a form offers, the least powerful chosen unless `chosen` names another.
    static func roleChoices(_ chosen: String? = nil, _ words: MailWords) -> [[String: Any]] {
        let selected = chosen.flatMap { Role(name: $0) }.flatMap { Role.assignable.contains($0) ? $0 : nil } ?? .viewer
        return Role.assignable.map { ["key": $0.name, "label": words.role($0), "selected": $0 == selected] }
    }

    /// The org's name and the values of its tab bar.
    /// The org's name and the tabs the person may open, in `values`; what they may do there is
    /// returned for the page's own forms. Someone not on the org's staff (a collaborator) is
    /// sent to their caseload instead.
    @discardableResult
    func orgHeader(_ orgID: OrganisationID, _ session: ConsoleSession, tab: String, into values: inout [String: Any]) async throws -> OrgAccess {
        guard let access = try await engine.access(org: orgID, by: session.principal) else { throw WebRefusal.notStaff }
        let org = try await engine.organisation(orgID, by: session.principal)
        values["orgID"] = orgID.description
        values["orgName"] = org.name
        values[tab] = true
        values["mayViewUsers"] = access.may(.usersView)
        values["mayInvite"] = access.may(.usersInvite)
        values["mayManageRoles"] = access.may(.usersManageRoles)
        values["mayResetPassword"] = access.may(.usersResetPassword)
        values["mayRevoke"] = access.may(.usersRevoke)
        values["mayResend"] = access.may(.usersResend)
        values["mayChangeSettings"] = access.isOrgAdmin
        values["mayWriteCases"] = access.writesCases
        values["orgNav"] = pages.fragment("org_nav", values)
        session.fill(&values)
        return access
    }

    func usersPage(
        _ orgID: OrganisationID,
        _ session: ConsoleSession,
        invitationsTab: Bool,
        status statusFilter: String?,
        notice: String? = nil,
        error: String? = nil,
        status: HTTPResponse.Status = .ok,
        temporaryPassword: (email: String, password: String)? = nil,
        typed: FormFields? = nil
    ) async throws -> Response {
        let words = session.words
        var values: [String: Any] = ["roles": Self.roleChoices(typed?["role"], words.mail), "directCreate": policy.directCreate != .disabled]
        // A refused Add User form comes back open, as it was typed (the password is never kept).
        if let typed, typed["email"] != nil {
            let form = typed["method"] == "existing_user" ? "existing" : typed["full_name"] != nil ? "direct" : "invite"
            values["typed"] = [
                "email": typed["email"] ?? "", "fullName": typed["full_name"] ?? "", "days": typed["expires_in_days"] ?? "", form: true,
            ]
        }
        try await orgHeader(orgID, session, tab: "navUsers", into: &values)
        if let notice { values["notice"] = notice }
        if let error { values["error"] = error }
        if let temporaryPassword { values["temporaryPassword"] = ["email": temporaryPassword.email, "password": temporaryPassword.password] }
        let csrf = session.formToken
        if invitationsTab {
            values["invitationsTab"] = true
            let filter = statusFilter.flatMap { Invitation.Status(name: $0) }
            values["statuses"] =
                [["value": "", "label": words("users.all"), "selected": filter == nil]]
                + Invitation.Status.allCases.map { ["value": $0.name, "label": words("status.\($0.name)"), "selected": $0 == filter] }
            let now = try engine.now
            let page = try await engine.invitations(org: orgID, status: filter, limit: 200, by: session.principal)
            let people = page.items.flatMap { invitation in
                [invitation.invitedBy] + [invitation.revokedBy, invitation.acceptedBy.map(Principal.user)].compactMap { $0 }
            }
            let names = try await engine.labels(org: orgID, for: people, by: session.principal)
            values["invitations"] = page.items.map { invitation -> [String: Any] in
                let status = invitation.effectiveStatus(at: now)
                var row: [String: Any] = [
                    "id": invitation.id.description, "email": invitation.email.value, "role": words.mail.role(invitation.role),
                    "status": words("state.\(status.name)"), "orgID": orgID.description, "csrf": csrf,
                    "invitedBy": names[invitation.invitedBy] ?? "", "invitedAt": words.mail.date(invitation.createdAt),
                    "method": invitation.method == .email ? words("users.method_email") : words("users.method_existing"),
                ]
                // Only a pending invitation has an expiry that still matters.
                if status == .pending || status == .expired { row["expiresAt"] = words.mail.date(invitation.expiresAt) }
                if let at = invitation.acceptedAt {
                    row["accepted"] = ["at": words.mail.date(at), "by": invitation.acceptedBy.flatMap { names[.user($0)] } ?? ""]
                }
                if let at = invitation.revokedAt {
                    row["revoked"] = [
                        "at": words.mail.date(at), "by": invitation.revokedBy.flatMap { names[$0] } ?? "", "reason": invitation.revokedReason ?? "",
                    ]
                }
                if let at = invitation.resentAt { row["resent"] = ["at": words.mail.date(at), "count": invitation.resendCount] }
                if invitation.reinviteOf != nil { row["reinvite"] = true }
                switch status {
                case .pending:
                    row["pending"] = true
                    row["resendHint"] = resendHint(invitation, now: now, words)
                case .expired, .revoked:
                    row["canReinvite"] = true
                case .accepted:
                    break
                }
                return row
            }
        } else {
            let members = try await engine.members(org: orgID, limit: 500, by: session.principal)
            values["members"] = members.items.map { member -> [String: Any] in
                [
                    "userID": member.userID.description, "email": member.email.value, "role": words.mail.role(member.role),
                    "grants": member.grants.permissions.map(\.key).joined(separator: ", "), "orgID": orgID.description, "csrf": csrf,
                    "keys": Permission.allCases.map(\.key),
                    "roleChoices": Role.assignable.map { ["key": $0.name, "label": words.mail.role($0), "selected": $0 == member.role] },
                ]
            }
        }
        return pages.render("users", title: words("common.user_management"), values, status: status)
    }

    /// The resend limits of a pending invitation, and when it may next be resent.
    private func resendHint(_ invitation: Invitation, now: Timestamp, _ words: ConsoleText) -> String {
        let windowStart = now.adding(Span(milliseconds: -policy.resendWindow.milliseconds))
        let used = invitation.recentResends.filter { $0 > windowStart }.count
        var hint = words(
            "users.resends_used",
            ["used": String(used), "limit": String(policy.resendsPerWindow), "seconds": String(policy.resendCooldown.wholeSecondsRoundedUp)]
        )
        if used >= policy.resendsPerWindow, let oldest = invitation.recentResends.filter({ $0 > windowStart }).first {
            hint += words("users.resend_again_at", ["at": words.mail.date(oldest.adding(policy.resendWindow))])
        } else if let last = invitation.resentAt, now.span(since: last) < policy.resendCooldown {
            hint += words("users.resend_again_at", ["at": words.mail.date(last.adding(policy.resendCooldown))])
        }
        return hint
    }
}
