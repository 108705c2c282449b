import MusterDomain
import Testing

extension OrgFixture {
    /// Registers a webhook as `principal` and returns its id.
    fileprivate mutating func webhook(by principal: Principal, types: [OrgEvent.Kind]? = nil) throws(DomainError) -> WebhookID {
        let id = WebhookID.random()
        try run(
            .createWebhook(
                id: id,
                url: "https://hooks.example.org/\(id)",
                eventTypes: types,
                description: nil,
                startAfter: nil,
                secretNonce: .random()
            ),
            by: principal
        )
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

    @Test("Changing a webhook keeps what is not named, resets types to all with reset, and refuses a bad change without changing anything")
    func updatingAWebhookChangesOnlyWhatIsNamed() throws {
        var org = OrgFixture()
        let admin = org.member("admin@example.org", role: .orgAdmin)
        let id = try org.webhook(by: admin, types: [.userInvited])
        try org.run(.updateWebhook(id: id, OrgCommand.WebhookUpdate(description: .set("billing"))), by: admin)
        #expect(org.state.webhooks[id]?.eventTypes == [.userInvited])
        #expect(org.state.webhooks[id]?.description == "billing")
        try org.run(.updateWebhook(id: id, OrgCommand.WebhookUpdate(url: "https://hooks.example.org/new", eventTypes: .reset)), by: admin)
        #expect(org.state.webhooks[id]?.eventTypes == nil)
        #expect(org.state.webhooks[id]?.url == "https://hooks.example.org/new")
        #expect(org.state.audit.last?.action == .webhookUpdated)
        let version = org.state.version
        try org.run(.updateWebhook(id: id, OrgCommand.WebhookUpdate(url: "https://hooks.example.org/new")), by: admin)
        #expect(org.state.version == version, "a change to the same values records nothing")
        org.expectRefusal(.updateWebhook(id: id, OrgCommand.WebhookUpdate(eventTypes: .set([]))), by: admin, .validationFailed)
        org.expectRefusal(.updateWebhook(id: id, OrgCommand.WebhookUpdate(url: "https://a b")), by: admin, .validationFailed)
        org.expectRefusal(.updateWebhook(id: .random(), OrgCommand.WebhookUpdate(description: .reset)), by: admin, .notFound)
        let caseworker = org.member("case@example.org", role: .caseworker)
        org.expectRefusal(.updateWebhook(id: id, OrgCommand.WebhookUpdate(description: .reset)), by: caseworker, .forbidden)
        #expect(org.replayed() == org.state)
    }

    @Test("A ping is for its own webhook alone, whatever the types of the others; a paused webhook is not pinged")
    func aPingReachesOnlyItsWebhook() throws {
        var org = OrgFixture()
        let admin = org.member("admin@example.org", role: .orgAdmin)
        let pinged = try org.webhook(by: admin, types: [.memberAdded])
        let other = try org.webhook(by: admin)
        try org.run(.pingWebhook(id: pinged), by: admin)
        let line = try #require(org.state.audit.last)
        #expect(line.action == .webhookPinged)
        let webhooks = try #require(org.state.webhooks[pinged]).delivers(.webhookPinged, about: line.targetID)
        #expect(webhooks, "the pinged webhook receives its ping though it subscribes to member.added only")
        #expect(try #require(org.state.webhooks[other]).delivers(.webhookPinged, about: line.targetID) == false)
        #expect(try #require(org.state.webhooks[other]).delivers(.webhookPinged(id: pinged)) == false)
        try org.run(.pauseWebhook(id: pinged, cause: .requested, reason: "down"), by: admin)
        org.expectRefusal(.pingWebhook(id: pinged), by: admin, .conflict)
        let viewer = org.member("viewer@example.org", role: .viewer)
        org.expectRefusal(.pingWebhook(id: other), by: viewer, .forbidden)
    }

    @Test("A rotated-out secret signs beside the new one until its grace period ends, then not at all")
    func rotationKeepsTheOldSecretForItsGracePeriod() throws {
        var org = OrgFixture()
        let admin = org.member("admin@example.org", role: .orgAdmin)
        let id = try org.webhook(by: admin)
        let old = try #require(org.state.webhooks[id]).secretNonce
        let new = Identifier<Webhook>.random()
        try org.run(.rotateWebhookSecret(id: id, secretNonce: new, gracePeriod: .hours(2)), by: admin)
        let webhook = try #require(org.state.webhooks[id])
        #expect(webhook.signingNonces(at: org.now) == [new, old])
        #expect(webhook.signingNonces(at: org.now.adding(.hours(2))) == [new])
        let viewer = org.member("viewer@example.org", role: .viewer)
        org.expectRefusal(.rotateWebhookSecret(id: id, secretNonce: .random(), gracePeriod: .days(8)), by: admin, .validationFailed)
        org.expectRefusal(.rotateWebhookSecret(id: id, secretNonce: new, gracePeriod: .hours(1)), by: admin, .conflict)
        // Rotated again within the period (the first answer lost, say): the secret the receiver
        // knows still signs, beside the two new ones; the oldest drops out once a third comes.
        org.advance(.minutes(10))
        let newer = Identifier<Webhook>.random()
        try org.run(.rotateWebhookSecret(id: id, secretNonce: newer, gracePeriod: .hours(2)), by: admin)
        #expect(try #require(org.state.webhooks[id]).signingNonces(at: org.now) == [newer, new, old])
        let newest = Identifier<Webhook>.random()
        try org.run(.rotateWebhookSecret(id: id, secretNonce: newest, gracePeriod: .hours(2)), by: admin)
        #expect(try #require(org.state.webhooks[id]).signingNonces(at: org.now) == [newest, newer, new])
        org.expectRefusal(.rotateWebhookSecret(id: id, secretNonce: .random(), gracePeriod: .hours(1)), by: viewer, .forbidden)
        #expect(org.replayed() == org.state)
    }

    @Test("Another integration manager may not repoint or re-key someone else's webhook; an org admin may, and then answers for it")
    func onlyTheOwnerOrAnOrgAdminChangesAWebhook() throws {
        var org = OrgFixture()
        let admin = org.member("admin@example.org", role: .orgAdmin)
        let second = org.member("second@example.org", role: .orgAdmin)
        let siteAdmin = org.member("site@example.org", role: .siteAdmin)
        let admins = try org.webhook(by: admin)
        org.expectRefusal(.updateWebhook(id: admins, OrgCommand.WebhookUpdate(url: "https://attacker.example/in")), by: siteAdmin, .forbidden)
        org.expectRefusal(.rotateWebhookSecret(id: admins, secretNonce: .random(), gracePeriod: .hours(1)), by: siteAdmin, .forbidden)
        let sites = try org.webhook(by: siteAdmin)
        try org.run(.updateWebhook(id: sites, OrgCommand.WebhookUpdate(description: .set("mine"))), by: siteAdmin)
        #expect(org.state.webhooks[sites]?.owner == siteAdmin)
        // The org admin repoints the site admin's webhook: it is now theirs, and pauses when they go.
        try org.run(.updateWebhook(id: sites, OrgCommand.WebhookUpdate(url: "https://hooks.example.org/admin")), by: admin)
        #expect(org.state.webhooks[sites]?.owner == admin && org.state.webhooks[sites]?.createdBy == siteAdmin)
        guard case .user(let adminID) = admin else { return }
        try org.run(.removeMember(userID: adminID), by: second)
        #expect(org.state.webhooks[sites]?.isActive == false, "removing its owner pauses it")
        #expect(org.state.webhooks[admins]?.isActive == false)
        // Resumed by an org admin after its owner left, it is theirs.
        try org.run(.resumeWebhook(id: sites), by: second)
        #expect(org.state.webhooks[sites]?.owner == second)
        #expect(org.replayed() == org.state)
    }

    /// The attack: a site admin (or a site admin's API key) holds `users.view`, so it manages
    /// integrations; it must not silence an org admin's channel by pausing or deleting it, nor
    /// resume one its owner paused.
    @Test("Another integration manager may not pause, resume, ping or delete someone else's webhook; its owner, an org admin and Muster itself may")
    func onlyTheOwnerOrAnOrgAdminPausesResumesPingsOrDeletesAWebhook() throws {
        var org = OrgFixture()
        let admin = org.member("admin@example.org", role: .orgAdmin)
        let siteAdmin = org.member("site@example.org", role: .siteAdmin)
        let siteKey = org.apiKey(role: .siteAdmin)
        let admins = try org.webhook(by: admin)
        for intruder in [siteAdmin, siteKey] {
            org.expectRefusal(.pauseWebhook(id: admins, cause: .requested, reason: "silenced"), by: intruder, .forbidden)
            org.expectRefusal(.deleteWebhook(id: admins), by: intruder, .forbidden)
            org.expectRefusal(.pingWebhook(id: admins), by: intruder, .forbidden)
        }
        #expect(org.state.webhooks[admins]?.isActive == true)

        // Muster itself still pauses it when deliveries fail, whoever owns it; resuming it is
        // the owner's or an org admin's, like any other resume.
        try org.run(.pauseWebhook(id: admins, cause: .deliveryFailing, reason: "event failed 10 times"), by: .system)
        org.expectRefusal(.resumeWebhook(id: admins), by: siteAdmin, .forbidden)
        try org.run(.resumeWebhook(id: admins), by: admin)
        try org.run(.pauseWebhook(id: admins, cause: .requested, reason: "maintenance window"), by: admin)
        org.expectRefusal(.resumeWebhook(id: admins), by: siteKey, .forbidden)
        org.expectRefusal(.pauseWebhook(id: admins, cause: .requested, reason: "again"), by: siteAdmin, .forbidden)
        #expect(org.state.webhooks[admins]?.isActive == false, "the intruders' attempts changed nothing")

        // A site admin runs their own webhook, and an org admin anyone's.
        let sites = try org.webhook(by: siteAdmin)
        try org.run(.pauseWebhook(id: sites, cause: .requested, reason: "deploying"), by: siteAdmin)
        try org.run(.resumeWebhook(id: sites), by: siteAdmin)
        try org.run(.pauseWebhook(id: sites, cause: .requested, reason: "the org admin stops it"), by: admin)
        try org.run(.resumeWebhook(id: sites), by: admin)
        try org.run(.deleteWebhook(id: sites), by: admin)
        try org.run(.deleteWebhook(id: admins), by: admin)
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
            id: .random(),
            url: "https://hooks.example.org/x",
            eventTypes: nil,
            description: nil,
            startAfter: nil,
            secretNonce: .random()
        )
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
        #expect(
            try org.run(.pauseWebhook(id: id, cause: .deliveryFailing, reason: "again"), by: .system).isEmpty,
            "pausing a paused webhook changes nothing"
        )
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
            .createWebhook(id: id, url: "https://hooks.example.org/dup", eventTypes: nil, description: nil, startAfter: nil, secretNonce: .random()),
            by: admin,
            .conflict
        )
        org.expectRefusal(.pauseWebhook(id: id, cause: .requested, reason: "   "), by: admin, .validationFailed)
        org.expectRefusal(.pauseWebhook(id: id, cause: .requested, reason: String(repeating: "x", count: 501)), by: admin, .validationFailed)
        org.expectRefusal(.deleteWebhook(id: .random()), by: admin, .notFound)
        for _ in 1..<Webhook.maximumPerOrg { _ = try org.webhook(by: admin) }
        org.expectRefusal(create(), by: admin, .conflict)
    }
}
