import MusterDomain
import Testing

extension OrgFixture {
    /// Registers a webhook as `principal` and returns its id.
    fileprivate mutating func webhook(by principal: Principal, types: [OrgEvent.Kind]? = nil) throws(DomainError) -> WebhookID {
        let id = WebhookID.random()
        try run(
            .createWebhook(id: id, url: "https://hooks.example.org/\(id)", eventTypes: types, description: nil, startAfter: nil, secretNonce: .random()),
            by: principal)
        return id
    }

    fileprivate mutating func apiKey(role: Role) -> Principal {
        let id = APIKeyID.random()
        try! run(.createAPIKey(id: id, name: "backend", role: role, secretDigest: OrgFixture.randomDigest()), by: .platformAdmin)
        return .apiKey(id)
    }

    fileprivate func lastAudit(_ count: Int) -> [AuditEntry] { Array(state.audit.suffix(count)) }
}

@Suite("Webhooks as org records")
struct WebhookTests {
    @Test("Creating, pausing, resuming and deleting a webhook are audited with who did it, and replay to the same state")
    func everyWebhookChangeIsAnAuditedEvent() throws {
        var org = OrgFixture()
        let admin = org.member("admin@example.org", role: .orgAdmin)
        let id = try org.webhook(by: admin, types: [.userInvited, .userInvited, .memberAdded])
        #expect(org.state.webhooks[id]?.eventTypes == [.memberAdded, .userInvited], "types are a sorted set")
        #expect(org.state.webhooks[id]?.startAfter == org.state.version - 1, "it starts after the org's events as they stood")
        try org.run(.pauseWebhook(id: id, cause: .requested, reason: "maintenance window"), by: admin)
        try org.run(.resumeWebhook(id: id), by: admin)
        try org.run(.deleteWebhook(id: id), by: admin)
        let trail = org.lastAudit(4)
        #expect(trail.map(\.action) == [.webhookCreated, .webhookPaused, .webhookResumed, .webhookDeleted])
        #expect(trail.allSatisfy { $0.actor == admin && $0.target == id.description })
        #expect(trail[1].details == "maintenance window")
        #expect(org.state.webhooks.isEmpty)
        #expect(org.replayed() == org.state)
    }

    @Test("Removing the member who created a webhook pauses it; only an org admin resumes it")
    func removingTheCreatorPausesTheirWebhooks() throws {
        var org = OrgFixture()
        let admin = org.member("admin@example.org", role: .orgAdmin)
        let siteAdmin = org.member("site@example.org", role: .siteAdmin)
        let theirs = try org.webhook(by: siteAdmin)
        let others = try org.webhook(by: admin)
        guard case .user(let siteAdminID) = siteAdmin else { return }
        let records = try org.run(.removeMember(userID: siteAdminID), by: admin)
        #expect(records.map(\.event.kind) == [.memberRemoved, .webhookPaused])
        guard case .paused(.creatorLostAccess, let reason) = org.state.webhooks[theirs]?.status else {
            Issue.record("the creator's webhook is still \(String(describing: org.state.webhooks[theirs]?.status))")
            return
        }
        #expect(reason.contains("site@example.org"))
        #expect(org.state.webhooks[others]?.isActive == true, "someone else's webhook keeps running")

        // Another site admin with integration access cannot take it over; an org admin can.
        let otherSiteAdmin = org.member("site2@example.org", role: .siteAdmin)
        org.expectRefusal(.resumeWebhook(id: theirs), by: otherSiteAdmin, .forbidden)
        try org.run(.resumeWebhook(id: theirs), by: admin)
        #expect(org.state.webhooks[theirs]?.isActive == true)
        #expect(org.replayed() == org.state)
    }

    @Test("Revoking the API key that created a webhook pauses it")
    func revokingTheCreatingKeyPausesItsWebhooks() throws {
        var org = OrgFixture()
        let key = org.apiKey(role: .orgAdmin)
        let id = try org.webhook(by: key)
        guard case .apiKey(let keyID) = key else { return }
        let records = try org.run(.revokeAPIKey(id: keyID), by: .platformAdmin)
        #expect(records.map(\.event.kind) == [.apiKeyRevoked, .webhookPaused])
        #expect(org.state.webhooks[id]?.isActive == false)
        #expect(org.state.audit.last?.actor == .platformAdmin)
    }

    @Test("Without integration access nobody registers, sees, pauses, resumes or deletes a webhook, and outsiders are told the org does not exist")
    func webhooksNeedIntegrationAccess() throws {
        var org = OrgFixture()
        let admin = org.member("admin@example.org", role: .orgAdmin)
        let id = try org.webhook(by: admin)
        let viewer = org.member("viewer@example.org", role: .viewer)
        let viewerKey = org.apiKey(role: .viewer)
        let caseworker = org.member("cw@example.org", role: .caseworker)
        let create = OrgCommand.createWebhook(
            id: .random(), url: "https://hooks.example.org/x", eventTypes: nil, description: nil, startAfter: nil, secretNonce: .random())
        for actor in [viewer, viewerKey, caseworker] {
            org.expectRefusal(create, by: actor, .forbidden)
            org.expectRefusal(.pauseWebhook(id: id, cause: .requested, reason: "stop"), by: actor, .forbidden)
            org.expectRefusal(.resumeWebhook(id: id), by: actor, .forbidden)
            org.expectRefusal(.deleteWebhook(id: id), by: actor, .forbidden)
            #expect(throws: DomainError.self) { try org.state.webhooks(for: actor) }
        }
        let outsider = Principal.user(.random())
        org.expectRefusal(create, by: outsider, .notFound)
        org.expectRefusal(.deleteWebhook(id: id), by: outsider, .notFound)
    }

    @Test("Only Muster itself pauses a webhook for failing deliveries or a creator's lost access")
    func onlyTheSystemPausesForItsOwnCauses() throws {
        var org = OrgFixture()
        let admin = org.member("admin@example.org", role: .orgAdmin)
        let id = try org.webhook(by: admin)
        org.expectRefusal(.pauseWebhook(id: id, cause: .creatorLostAccess, reason: "pretend"), by: admin, .forbidden)
        org.expectRefusal(.pauseWebhook(id: id, cause: .deliveryFailing, reason: "pretend"), by: admin, .forbidden)
        try org.run(.pauseWebhook(id: id, cause: .deliveryFailing, reason: "event failed 10 times"), by: .system)
        #expect(try org.run(.pauseWebhook(id: id, cause: .deliveryFailing, reason: "again"), by: .system).isEmpty, "pausing a paused webhook changes nothing")
        try org.run(.resumeWebhook(id: id), by: admin)
        #expect(org.state.webhooks[id]?.isActive == true)
    }

    @Test("Bad webhook commands are refused and change nothing")
    func badWebhookCommandsChangeNothing() throws {
        var org = OrgFixture()
        let admin = org.member("admin@example.org", role: .orgAdmin)
        let id = try org.webhook(by: admin)
        func create(url: String = "https://hooks.example.org/y", types: [OrgEvent.Kind]? = nil, after: UInt64? = nil) -> OrgCommand {
            .createWebhook(id: .random(), url: url, eventTypes: types, description: nil, startAfter: after, secretNonce: .random())
        }
        org.expectRefusal(create(url: ""), by: admin, .validationFailed)
        org.expectRefusal(create(url: "https://hooks.example.org/a b"), by: admin, .validationFailed)
        org.expectRefusal(create(url: "https://hooks.example.org/\u{2028}"), by: admin, .validationFailed)
        org.expectRefusal(create(types: []), by: admin, .validationFailed)
        org.expectRefusal(create(after: org.state.version + 1), by: admin, .validationFailed)
        org.expectRefusal(
            .createWebhook(id: id, url: "https://hooks.example.org/dup", eventTypes: nil, description: nil, startAfter: nil, secretNonce: .random()), by: admin,
            .conflict)
        org.expectRefusal(.pauseWebhook(id: id, cause: .requested, reason: "   "), by: admin, .validationFailed)
        org.expectRefusal(.pauseWebhook(id: id, cause: .requested, reason: String(repeating: "x", count: 501)), by: admin, .validationFailed)
        org.expectRefusal(.deleteWebhook(id: .random()), by: admin, .notFound)
        for _ in 1..<Webhook.maximumPerOrg { _ = try org.webhook(by: admin) }
        org.expectRefusal(create(), by: admin, .conflict)
    }
}
