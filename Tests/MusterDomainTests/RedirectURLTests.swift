import MusterDomain
import Testing

@Suite("Where an invitation may send people after they accept")
struct RedirectURLTests {
    /// Addresses an attacker would try, each refused before it is stored: other schemes,
    /// scheme-relative and backslash tricks browsers read as another host, credentials in
    /// front of the host, whitespace browsers drop, and plain http off loopback.
    static let refused = [
        "javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,<script>alert(1)</script>", "//evil.example/path", "/relative/path",
        "https:evil.example", "https:/evil.example", "https:///evil.example", "https://app.example.org@evil.example/",
        "https://user:pass@app.example.org/", "https://app.example.org\\@evil.example", "https://evil.example\\.app.example.org",
        "https://app.example.org\t.evil.example", "https://app.example.org\n/x", " https://app.example.org", "http://app.example.org/welcome",
        "https://app.example.org:0/", "https://app.example.org:99999/", "https://app.example.org:80a/", "https://-bad-.example/",
        "https://app.example.org/\"><script>", "https://app.exämple.org/", "ftp://app.example.org/", "https://",
        "https://app.example.org/" + String(repeating: "a", count: RedirectURL.maximumLength), "http://127.attacker.example/",
        "http://127.0.0.1.attacker.example/", "http://127.0.0.256/", "http://localhost.attacker.example/",
    ]

    @Test("Addresses a browser could read as another site are refused", arguments: refused)
    func dangerousAddressesAreRefused(raw: String) {
        #expect(throws: DomainError.self) { try RedirectURL(raw) }
    }

    static let accepted: [(raw: String, origin: String)] = [
        ("https://app.example.org/welcome?from=invite#top", "https://app.example.org"),
        ("HTTPS://App.Example.ORG/Welcome", "https://app.example.org"),
        ("https://app.example.org:443/x", "https://app.example.org"),
        ("https://app.example.org:8443/x", "https://app.example.org:8443"),
        ("http://localhost:3000/after", "http://localhost:3000"),
        ("http://127.0.0.1/after", "http://127.0.0.1"),
    ]

    @Test("A plain https address, or http on loopback, is kept with its origin", arguments: accepted)
    func plainAddressesAreKept(raw: String, origin: String) throws {
        let url = try RedirectURL(raw)
        #expect(url.origin == origin)
        #expect(url.value.hasPrefix(origin))
        // The path keeps its case: only the scheme and host are case-insensitive.
        if raw.hasSuffix("/Welcome") { #expect(url.value == "https://app.example.org/Welcome") }
    }

    @Test("An origin on the list is a scheme and host alone")
    func originsAreSchemeAndHostAlone() throws {
        #expect(
            try OrgSettings.redirectOrigins(["https://App.example.org/", "https://app.example.org", "http://localhost:3000"])
                == ["http://localhost:3000", "https://app.example.org"]
        )
        #expect(throws: DomainError.self) { try OrgSettings.redirectOrigins(["https://app.example.org/welcome"]) }
        #expect(throws: DomainError.self) { try OrgSettings.redirectOrigins(["*.example.org"]) }
        #expect(throws: DomainError.self) { try OrgSettings.redirectOrigins(Array(repeating: "https://a.example", count: 21)) }
    }

    @Test("An invitation's redirect must go to an origin the org allows")
    func aRedirectNeedsAnAllowedOrigin() throws {
        var org = OrgFixture()
        func invite(_ url: String) -> OrgCommand {
            .invite(
                id: .random(),
                email: try! EmailAddress("bo@example.org"),
                role: .viewer,
                method: .email,
                existingUserID: nil,
                seal: OrgFixture.seal(),
                redirect: try! RedirectURL(url)
            )
        }
        // No origins listed: no redirect at all.
        org.expectRefusal(invite("https://app.example.org/welcome"), by: .platformAdmin, .redirectNotAllowed)
        try org.run(.updateOrganisation(.init(allowedRedirectOrigins: .set(["https://app.example.org"]))), by: .platformAdmin)
        // A look-alike host, another port, another scheme: each is another origin.
        for other in ["https://app.example.org.evil.example/", "https://app.example.org:8443/", "https://evil.example/app.example.org"] {
            org.expectRefusal(invite(other), by: .platformAdmin, .redirectNotAllowed)
        }
        let records = try org.run(invite("https://app.example.org/welcome"), by: .platformAdmin)
        guard case .userInvited(let id, _, _, _, _, _) = records.first?.event else {
            Issue.record("no invitation")
            return
        }
        #expect(org.state.invitations[id]?.redirect?.value == "https://app.example.org/welcome")
        #expect(org.state.invitationAsAnswered(id).redirect != nil)
        // Taking the origin off the list stops links already sent from leading there.
        try org.run(.updateOrganisation(.init(allowedRedirectOrigins: .reset)), by: .platformAdmin)
        #expect(org.state.invitationAsAnswered(id).redirect == nil)
        #expect(org.replayed() == org.state)
    }

    @Test("Someone who may not invite learns nothing of the org's redirect origins: they are refused for who they are first")
    func theOriginsAreNotAnOracle() throws {
        var org = OrgFixture()
        try org.run(.updateOrganisation(.init(allowedRedirectOrigins: .set(["https://app.example.org"]))), by: .platformAdmin)
        let viewer = org.member("view@example.org", role: .viewer)
        let command = OrgCommand.invite(
            id: .random(),
            email: try EmailAddress("bo@example.org"),
            role: .viewer,
            method: .email,
            existingUserID: nil,
            seal: OrgFixture.seal(),
            redirect: try RedirectURL("https://evil.example/")
        )
        org.expectRefusal(command, by: viewer, .forbidden)
        org.expectRefusal(command, by: .user(.random()), .notFound)
    }

    @Test("A collaborator's link may lead on to an allowed origin; a reference-only contact, who gets no link, to none")
    func collaboratorRedirects() throws {
        var org = OrgFixture()
        let tenant = org.tenant()
        let redirect = try RedirectURL("https://app.example.org/cases")
        func invite(_ mode: ParticipationMode) -> OrgCommand {
            var request = OrgCommand.CollaboratorRequest(id: .random(), tenantID: tenant, mode: mode, redirect: redirect)
            if mode == .referenceOnly {
                request.contact = ContactCard(name: "Dr GP", phone: "0161 555 0100")
            } else {
                request.person = .init(userID: .random(), email: try! EmailAddress("sam@support.example"), fullName: "Sam")
                request.seal = OrgFixture.seal()
            }
            return .inviteCollaborator(request)
        }
        org.expectRefusal(invite(.full), by: .platformAdmin, .redirectNotAllowed)
        try org.run(.updateOrganisation(.init(allowedRedirectOrigins: .set(["https://app.example.org"]))), by: .platformAdmin)
        org.expectRefusal(invite(.referenceOnly), by: .platformAdmin, .validationFailed)
        let records = try org.run(invite(.full), by: .platformAdmin)
        guard case .collaboratorInvited(let invited) = records.first?.event else {
            Issue.record("no collaborator")
            return
        }
        #expect(org.state.collaborators[invited.id]?.redirect == redirect && org.state.collaboratorRedirect(invited.id) == redirect)
        try org.run(.updateOrganisation(.init(allowedRedirectOrigins: .reset)), by: .platformAdmin)
        #expect(org.state.collaboratorRedirect(invited.id) == nil, "an origin taken off the list stops the link leading there")
        #expect(org.replayed() == org.state)
    }

    @Test("A logo must be https and a colour six hex digits")
    func brandingIsChecked() throws {
        var org = OrgFixture()
        for bad in ["http://example.org/logo.png", "javascript:alert(1)", "https://user@example.org/logo.png"] {
            org.expectRefusal(.updateOrganisation(.init(logoURL: .set(bad))), by: .platformAdmin, .validationFailed)
        }
        for bad in ["red", "#12345", "#1234567", "#gggggg", "1d70b8", "#1d70b8;background:url(x)", "#１２３４５６"] {
            org.expectRefusal(.updateOrganisation(.init(accentColour: .set(bad))), by: .platformAdmin, .validationFailed)
        }
        try org.run(.updateOrganisation(.init(logoURL: .set("https://example.org/logo.png"), accentColour: .set("#1D70B8"))), by: .platformAdmin)
        #expect(org.state.settings.logoURL == "https://example.org/logo.png" && org.state.settings.accentColour == "#1d70b8")
    }
}
