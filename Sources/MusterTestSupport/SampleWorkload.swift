import MusterDomain
import MusterEngine

/// A workload that produces every kind of org and directory event, for replay, codec and
/// recovery tests and for the crash driver. Runs against any engine; needs a `ManualClock`
/// because it moves time forward to make invitations lapse.
public enum SampleWorkload {
    /// Runs the workload and returns the orgs it created.
    @discardableResult
    public static func run(on engine: MusterEngine, clock: ManualClock) async throws -> [OrganisationID] {
        func email(_ text: String) -> EmailAddress { try! EmailAddress(text) }
        func member(_ orgID: OrganisationID, _ address: String, _ role: Role) async throws -> UserID {
            let issued = try await engine.invite(org: orgID, email: email(address), role: role, method: .email, by: .platformAdmin)
            return try await engine.acceptInvitation(token: issued.token).user.id
        }
        let suffix = UInt32.random(in: 0 ... .max)
        let first = try await engine.createOrganisation(name: "First", by: .platformAdmin)
        let second = try await engine.createOrganisation(name: "Second", by: .platformAdmin)
        let admin = Principal.user(try await member(first, "admin-\(suffix)@first.example", .orgAdmin))
        let secondAdmin = Principal.user(try await member(second, "admin-\(suffix)@second.example", .orgAdmin))
        let tenant = try await engine.createTenant(org: first, name: "Alex", reference: "T-1", by: admin)
        let other = try await engine.createTenant(org: second, name: "Bo", by: secondAdmin)
        let workerEmail = email("worker-\(suffix)@support.example")
        let invited = try await engine.inviteCollaborator(
            org: first,
            tenant: tenant.id,
            mode: .full,
            invitee: .person(email: workerEmail, fullName: "Sam Worker"),
            by: admin
        )
        let worker = Principal.user(try await engine.verifyLink(token: invited.token!).user.id)
        let context = try await engine.inviteCollaborator(
            org: second,
            tenant: other.id,
            mode: .contextOnly,
            invitee: .person(email: workerEmail, fullName: "Sam Worker"),
            by: secondAdmin
        )
        _ = try await engine.verifyLink(token: context.token!)
        try await engine.writeWorkspace(org: first, .note(tenant: tenant.id, kind: .shared, body: "shared"), by: worker)
        try await engine.writeWorkspace(org: first, .note(tenant: tenant.id, kind: .professional, body: "pro"), by: admin)
        try await engine.writeWorkspace(org: first, .goal(tenant: tenant.id, title: "Goal", detail: "d"), by: worker)
        try await engine.writeWorkspace(org: first, .session(tenant: tenant.id, occurredAt: clock.now(), summary: "visit"), by: worker)
        try await engine.writeWorkspace(
            org: first,
            .document(tenant: tenant.id, name: "a.pdf", contentType: "application/pdf", sizeBytes: 10, checksum: "sha256:00"),
            by: worker
        )
        try await engine.writeWorkspace(org: first, .contextSummary(tenant: tenant.id, text: "summary"), by: worker)
        let contact = try await engine.inviteCollaborator(
            org: first,
            tenant: tenant.id,
            mode: .referenceOnly,
            invitee: .contact(ContactCard(name: "GP", phone: "0161 555 0100")),
            by: admin
        )
        _ = try await engine.updateContact(
            org: first,
            id: contact.collaborator.id,
            contact: ContactCard(
                name: "Dr GP",
                email: email("gp@surgery.example"),
                phone: "0161 555 0100",
                organisationName: "Surgery",
                roleLabel: "GP"
            ),
            by: admin
        )
        _ = try await engine.endCollaborator(org: first, id: invited.collaborator.id, by: admin)
        let pending = try await engine.invite(
            org: first,
            email: email("pending-\(suffix)@example.org"),
            role: .viewer,
            method: .email,
            lifetimeDays: 3,
            locale: try! LocaleTag("cy"),
            by: admin
        )
        clock.advance(by: .minutes(2))
        _ = try await engine.resendInvitation(org: first, id: pending.invitation.id, by: admin)
        let revoked = try await engine.invite(org: first, email: email("revoked-\(suffix)@example.org"), role: .viewer, method: .email, by: admin)
        _ = try await engine.revokeInvitation(org: first, id: revoked.invitation.id, reason: "oops", by: admin)
        let viewerID = try await member(first, "viewer-\(suffix)@example.org", .viewer)
        _ = try await engine.changeRole(org: first, user: viewerID, to: .caseworker, by: admin)
        _ = try await engine.changeGrants(org: first, user: viewerID, grant: PermissionSet(.usersView), withdraw: [], by: admin)
        let direct = try await engine.createUserWithTemporaryPassword(
            org: first,
            email: email("direct-\(suffix)@example.org"),
            fullName: "Di Rect",
            role: .viewer,
            by: admin
        )
        _ = try await engine.resetPassword(org: first, user: direct.member.userID, by: admin)
        _ = try await engine.removeMember(org: first, user: viewerID, by: admin)
        let key = try await engine.createAPIKey(org: first, name: "svc", role: .caseworker, by: admin)
        _ = try await engine.revokeAPIKey(org: first, id: key.key.id, by: admin)
        // Webhooks: one kept, one paused and resumed, one whose creating key is revoked, one deleted.
        _ = try await engine.createWebhook(
            org: first,
            url: "https://hooks.example.org/all",
            eventTypes: nil,
            description: "everything",
            after: 0,
            by: admin
        )
        let paused = try await engine.createWebhook(
            org: first,
            url: "https://hooks.example.org/some",
            eventTypes: [.tenantCreated, .userInvited],
            description: nil,
            after: nil,
            by: admin
        )
        try await engine.pauseWebhook(paused.view.webhook.id, org: first, cause: .requested, reason: "maintenance", by: admin)
        _ = try await engine.resumeWebhook(paused.view.webhook.id, org: first, by: admin)
        _ = try await engine.updateWebhook(
            paused.view.webhook.id,
            org: first,
            OrgCommand.WebhookUpdate(url: "https://hooks.example.org/moved", eventTypes: .set([.memberAdded])),
            by: admin
        )
        _ = try await engine.pingWebhook(paused.view.webhook.id, org: first, by: admin)
        _ = try await engine.rotateWebhookSecret(paused.view.webhook.id, org: first, gracePeriod: .hours(24), by: admin)
        _ = try await engine.updateOrganisation(
            first,
            OrgCommand.OrganisationUpdate(
                name: "First, renamed",
                invitationLifetimeDays: .set(10),
                allowedEmailDomains: .set(["example.org", "first.example", "support.example"]),
                defaultLocale: .set(try! LocaleTag("cy")),
                replyTo: .set(try! EmailAddress("help@first.example")),
                allowedRedirectOrigins: .set(["https://app.first.example"]),
                logoURL: .set("https://first.example/logo.png"),
                accentColour: .set("#1d70b8")
            ),
            by: admin
        )
        // An invitation that leads on after accepting, revoked and invited again.
        let redirected = try await engine.invite(
            org: first,
            email: email("redirected-\(suffix)@example.org"),
            role: .viewer,
            method: .email,
            redirect: try! RedirectURL("https://app.first.example/welcome"),
            by: admin
        )
        _ = try await engine.revokeInvitation(org: first, id: redirected.invitation.id, reason: nil, by: admin)
        _ = try await engine.reinvite(org: first, id: redirected.invitation.id, by: admin)
        _ = try await engine.inviteCollaborator(
            org: first,
            tenant: tenant.id,
            mode: .contextOnly,
            invitee: .person(email: email("led-\(suffix)@support.example"), fullName: "Led On"),
            redirect: try! RedirectURL("https://app.first.example/case"),
            by: admin
        )
        let integration = try await engine.createAPIKey(org: first, name: "integration", role: .siteAdmin, by: admin)
        _ = try await engine.createWebhook(
            org: first,
            url: "https://hooks.example.org/key",
            eventTypes: nil,
            description: nil,
            after: nil,
            by: .apiKey(integration.key.id)
        )
        _ = try await engine.revokeAPIKey(org: first, id: integration.key.id, by: admin)
        let deleted = try await engine.createWebhook(
            org: second,
            url: "https://hooks.example.org/gone",
            eventTypes: nil,
            description: nil,
            after: nil,
            by: secondAdmin
        )
        try await engine.deleteWebhook(deleted.view.webhook.id, org: second, by: secondAdmin)
        let link = try await engine.requestSignInLink(email: workerEmail)
        let session = try await engine.verifyLink(token: link!.token)
        try await engine.logout(sessionToken: session.sessionToken)
        _ = try await engine.invite(org: second, email: email("lapsing-\(suffix)@example.org"), role: .viewer, method: .email, by: secondAdmin)
        clock.advance(by: .days(8))
        try await engine.expireInvitations()
        try await engine.removeExpiredSignIns()
        return [first, second]
    }
}
