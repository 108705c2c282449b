import MusterDomain
import Testing

extension OrgFixture {
    /// Changes the org as `principal`.
    fileprivate mutating func update(_ update: OrgCommand.OrganisationUpdate, by principal: Principal = .platformAdmin) throws(DomainError) {
        try run(.updateOrganisation(update), by: principal)
    }

    fileprivate func invitation(_ id: InvitationID) -> Invitation { state.invitations[id]! }
}

@Suite("An organisation's settings")
struct OrgSettingsTests {
    static let domains = OrgCommand.OrganisationUpdate(allowedEmailDomains: .set(["Example.ORG ", "partner.example"]))

    enum Changer: String, CaseIterable, CustomTestStringConvertible {
        case orgAdmin, orgAdminKey, siteAdmin, caseworker, viewer, siteAdminKey, outsider, collaborator
        var testDescription: String { rawValue }
    }

    /// Who may change the org: org admins (people or keys) and the platform admin; everyone else
    /// is refused, and someone outside is told the org does not exist.
    static let expected: [Changer: DomainError.Code?] = [
        .orgAdmin: nil, .orgAdminKey: nil, .siteAdmin: .forbidden, .caseworker: .forbidden, .viewer: .forbidden, .siteAdminKey: .forbidden,
        .outsider: .notFound, .collaborator: .notFound,
    ]

    @Test("Only org admins change the org's name and settings", arguments: Changer.allCases)
    func onlyOrgAdminsChangeTheOrg(changer: Changer) throws {
        var org = OrgFixture()
        let principal: Principal
        switch changer {
        case .orgAdmin: principal = org.member("admin@example.org", role: .orgAdmin)
        case .siteAdmin: principal = org.member("site@example.org", role: .siteAdmin)
        case .caseworker: principal = org.member("case@example.org", role: .caseworker)
        case .viewer: principal = org.member("view@example.org", role: .viewer)
        case .orgAdminKey, .siteAdminKey:
            let id = APIKeyID.random()
            try org.run(
                .createAPIKey(id: id, name: "svc", role: changer == .orgAdminKey ? .orgAdmin : .siteAdmin, secretDigest: OrgFixture.randomDigest()),
                by: .platformAdmin
            )
            principal = .apiKey(id)
        case .outsider: principal = .user(.random())
        case .collaborator: principal = org.activeCollaborator(on: org.tenant(), mode: .full).1
        }
        let update = OrgCommand.OrganisationUpdate(name: "Riverside Homes", invitationLifetimeDays: .set(3))
        if let code = Self.expected[changer]! {
            org.expectRefusal(.updateOrganisation(update), by: principal, code)
        } else {
            try org.update(update, by: principal)
            #expect(org.state.name == "Riverside Homes")
            #expect(org.state.settings.invitationLifetimeDays == 3)
            let line = try #require(org.state.audit.last)
            #expect(line.action == .organisationUpdated && line.actor == principal)
            #expect(line.details?.contains("invitation lifetime 3 days") == true)
        }
    }

    @Test("An invitation lasts the days it was given, else the org's lifetime, else the deployment's")
    func invitationLifetimePrecedence() throws {
        var org = OrgFixture()
        let (deployment, _) = try org.invite("a@example.org")
        #expect(org.invitation(deployment).expiresAt == org.now.adding(.days(7)))
        try org.update(OrgCommand.OrganisationUpdate(invitationLifetimeDays: .set(3)))
        let (orgWide, _) = try org.invite("b@example.org")
        #expect(org.invitation(orgWide).expiresAt == org.now.adding(.days(3)))
        let ownID = InvitationID.random()
        try org.run(
            .invite(
                id: ownID,
                email: try EmailAddress("c@example.org"),
                role: .viewer,
                method: .email,
                existingUserID: nil,
                seal: OrgFixture.seal(),
                lifetimeDays: 14
            ),
            by: .platformAdmin
        )
        #expect(org.invitation(ownID).expiresAt == org.now.adding(.days(14)))
        // A resend lasts as long as the invitation's own lifetime, whatever the org says now.
        try org.update(OrgCommand.OrganisationUpdate(invitationLifetimeDays: .reset))
        org.advance(.days(1))
        try org.run(.resendInvitation(id: ownID, seal: OrgFixture.seal()), by: .platformAdmin)
        #expect(org.invitation(ownID).expiresAt == org.now.adding(.days(14)))
        try org.run(.resendInvitation(id: orgWide, seal: OrgFixture.seal()), by: .platformAdmin)
        #expect(org.invitation(orgWide).expiresAt == org.now.adding(.days(3)))
        #expect(org.replayed() == org.state)
    }

    @Test("Lifetimes outside 1 to 30 days are refused and change nothing", arguments: [0, 31, -1, 365])
    func lifetimesOutOfRangeAreRefused(days: Int) {
        var org = OrgFixture()
        org.expectRefusal(
            .updateOrganisation(OrgCommand.OrganisationUpdate(invitationLifetimeDays: .set(days))),
            by: .platformAdmin,
            .validationFailed
        )
        org.expectRefusal(
            .invite(
                id: .random(),
                email: try! EmailAddress("a@example.org"),
                role: .viewer,
                method: .email,
                existingUserID: nil,
                seal: OrgFixture.seal(),
                lifetimeDays: days
            ),
            by: .platformAdmin,
            .validationFailed
        )
    }

    @Test("With allowed domains, an invitation, a direct member or a collaborator at another domain is refused email_domain_not_allowed")
    func invitesOutsideTheAllowedDomainsAreRefused() throws {
        var org = OrgFixture()
        try org.update(Self.domains)
        #expect(org.state.settings.allowedEmailDomains == ["example.org", "partner.example"], "trimmed, lower-cased, sorted")
        try org.invite("ann@example.org")
        try org.invite("bo@PARTNER.example")
        for outside in ["eve@evil.example", "eve@mail.example.org", "eve@example.org.evil.example"] {
            org.expectRefusal(
                .invite(id: .random(), email: try EmailAddress(outside), role: .viewer, method: .email, existingUserID: nil, seal: OrgFixture.seal()),
                by: .platformAdmin,
                .emailDomainNotAllowed
            )
        }
        org.expectRefusal(
            .addDirectMember(userID: .random(), email: try EmailAddress("eve@evil.example"), role: .viewer, userIsNew: true),
            by: .platformAdmin,
            .emailDomainNotAllowed
        )
        let person = OrgCommand.CollaboratorRequest.Person(userID: .random(), email: try EmailAddress("sam@support.example"), fullName: "Sam")
        org.expectRefusal(
            .inviteCollaborator(.init(id: .random(), tenantID: org.tenant(), mode: .full, person: person, seal: OrgFixture.seal())),
            by: .platformAdmin,
            .emailDomainNotAllowed
        )
        // Reset, any domain is allowed again.
        try org.update(OrgCommand.OrganisationUpdate(allowedEmailDomains: .reset))
        try org.invite("eve@evil.example")
    }

    @Test("Domains allowed after an invitation or a collaborator link was sent hold for it too: no resend, no accept, no activation")
    func allowedDomainsHoldForWhatIsPending() throws {
        var org = OrgFixture()
        let (invitationID, proof) = try org.invite("eve@evil.example")
        let (collaboratorID, userID, link) = try org.collaborator(on: org.tenant(), mode: .full)
        try org.update(OrgCommand.OrganisationUpdate(allowedEmailDomains: .set(["riverside.example"])))
        org.expectRefusal(.resendInvitation(id: invitationID, seal: OrgFixture.seal()), by: .platformAdmin, .emailDomainNotAllowed)
        org.expectRefusal(
            .acceptInvitation(id: invitationID, link: proof, userID: .random(), userIsNew: true),
            by: .platformAdmin,
            .emailDomainNotAllowed
        )
        org.expectRefusal(.activateCollaborator(id: collaboratorID, link: link, userID: userID), by: .user(userID), .emailDomainNotAllowed)
        // Revoking still works: staff can always clean up.
        try org.run(.revokeInvitation(id: invitationID, reason: "outside the allowed domains"), by: .platformAdmin)
    }

    @Test(
        "Malformed domains are refused and change nothing",
        arguments: ["@example.org", "example", "-bad.example", "bad-.example", "a b.example", "ex_ample.org", ""]
    )
    func malformedDomainsAreRefused(domain: String) {
        var org = OrgFixture()
        org.expectRefusal(
            .updateOrganisation(OrgCommand.OrganisationUpdate(allowedEmailDomains: .set([domain]))),
            by: .platformAdmin,
            .validationFailed
        )
    }

    @Test("More than 50 allowed domains are refused")
    func tooManyDomainsAreRefused() {
        var org = OrgFixture()
        let many = (0...OrgSettings.maximumAllowedDomains).map { "d\($0).example" }
        org.expectRefusal(.updateOrganisation(OrgCommand.OrganisationUpdate(allowedEmailDomains: .set(many))), by: .platformAdmin, .validationFailed)
    }

    @Test("Language tags are normalised; anything else is refused")
    func localesAreLanguageTags() throws {
        #expect(try LocaleTag("EN-gb").value == "en-GB")
        #expect(try LocaleTag(" cy ").value == "cy")
        for bad in ["english", "e", "en_GB", "en-GBR", "12", "", "en-"] {
            #expect(throws: DomainError.self) { try LocaleTag(bad) }
        }
        var org = OrgFixture()
        #expect(org.state.emailLocale(requested: nil, policy: org.policy).value == "en")
        try org.update(OrgCommand.OrganisationUpdate(defaultLocale: .set(try LocaleTag("cy"))))
        #expect(org.state.emailLocale(requested: nil, policy: org.policy).value == "cy")
        #expect(org.state.emailLocale(requested: try LocaleTag("en-GB"), policy: org.policy).value == "en-GB")
    }

    @Test("An update that changes nothing records nothing; a blank name is refused")
    func emptyUpdatesRecordNothing() throws {
        var org = OrgFixture()
        let version = org.state.version
        try org.update(OrgCommand.OrganisationUpdate())
        try org.update(OrgCommand.OrganisationUpdate(name: "  Riverside Housing "))
        #expect(org.state.version == version)
        org.expectRefusal(.updateOrganisation(OrgCommand.OrganisationUpdate(name: "  ")), by: .platformAdmin, .validationFailed)
        org.expectRefusal(.updateOrganisation(OrgCommand.OrganisationUpdate(name: "two\nlines")), by: .platformAdmin, .validationFailed)
    }
}
