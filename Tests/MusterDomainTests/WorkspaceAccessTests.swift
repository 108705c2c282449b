import MusterDomain
import Testing

@Suite struct WorkspaceAccessTests {
    @Test func aFullCollaboratorWorksTheWholeWorkspaceButNeverProfessionalNotes() throws {
        var org = OrgFixture()
        let tenant = org.tenant()
        let (_, worker) = org.activeCollaborator(on: tenant, mode: .full)
        try org.run(.addNote(tenantID: tenant, id: .random(), kind: .shared, body: "shared"), by: worker)
        try org.run(.addGoal(tenantID: tenant, id: .random(), title: "Stable tenancy", detail: nil), by: worker)
        try org.run(.recordSession(tenantID: tenant, id: .random(), occurredAt: org.now, summary: "Call"), by: worker)
        try org.run(
            .addDocument(tenantID: tenant, id: .random(), name: "plan.pdf", contentType: "application/pdf", sizeBytes: 2048, checksum: "sha256:ab"),
            by: worker
        )
        try org.run(.setContextSummary(tenantID: tenant, text: "Engaging well"), by: worker)
        org.expectRefusal(.addNote(tenantID: tenant, id: .random(), kind: .professional, body: "x"), by: worker, .forbidden)
        try org.run(.addNote(tenantID: tenant, id: .random(), kind: .professional, body: "staff only"), by: .platformAdmin)
        let view = try org.state.workspaceView(of: tenant, for: worker)
        #expect(view.notes.map(\.body) == ["shared"])
        #expect(view.goals.count == 1 && view.sessions.count == 1 && view.documents.count == 1)
        #expect(view.contextSummary?.text == "Engaging well")
        #expect(!view.access.contains(.inviteCollaborators))
    }

    @Test func aContextOnlyCollaboratorReadsGoalsNotesAndSummaryAndRecordsOwnSessionsOnly() throws {
        var org = OrgFixture()
        let tenant = org.tenant()
        let (_, officer) = org.activeCollaborator(on: tenant, mode: .contextOnly)
        let (_, worker) = org.activeCollaborator(on: tenant, mode: .full)
        try org.run(.addNote(tenantID: tenant, id: .random(), kind: .shared, body: "shared"), by: worker)
        try org.run(.addGoal(tenantID: tenant, id: .random(), title: "Goal", detail: "detail"), by: worker)
        try org.run(.recordSession(tenantID: tenant, id: .random(), occurredAt: org.now, summary: "worker's"), by: worker)
        try org.run(.addDocument(tenantID: tenant, id: .random(), name: "d", contentType: "text/plain", sizeBytes: 1, checksum: "c"), by: worker)
        try org.run(.setContextSummary(tenantID: tenant, text: "summary"), by: worker)
        try org.run(.recordSession(tenantID: tenant, id: .random(), occurredAt: org.now, summary: "officer's"), by: officer)
        org.expectRefusal(.addNote(tenantID: tenant, id: .random(), kind: .shared, body: "x"), by: officer, .forbidden)
        org.expectRefusal(.addGoal(tenantID: tenant, id: .random(), title: "x", detail: nil), by: officer, .forbidden)
        org.expectRefusal(.setContextSummary(tenantID: tenant, text: "x"), by: officer, .forbidden)
        org.expectRefusal(
            .addDocument(tenantID: tenant, id: .random(), name: "d", contentType: "text/plain", sizeBytes: 1, checksum: "c"),
            by: officer,
            .forbidden
        )
        let view = try org.state.workspaceView(of: tenant, for: officer)
        #expect(view.notes.map(\.body) == ["shared"])
        #expect(view.goals.count == 1)
        #expect(view.sessions.map(\.summary) == ["officer's"])
        #expect(view.documents.isEmpty)
        #expect(view.contextSummary?.text == "summary")
    }

    @Test func staffSeeEverythingProfessionalNotesOnlyWithTheKeyAndViewersOnlyRead() throws {
        var org = OrgFixture()
        let tenant = org.tenant()
        let caseworker = org.member("cw@example.org", role: .caseworker)
        let viewer = org.member("viewer@example.org", role: .viewer)
        try org.run(.addNote(tenantID: tenant, id: .random(), kind: .professional, body: "professional"), by: caseworker)
        try org.run(.addNote(tenantID: tenant, id: .random(), kind: .shared, body: "shared"), by: caseworker)
        #expect(try org.state.workspaceView(of: tenant, for: caseworker).notes.count == 2)
        #expect(try org.state.workspaceView(of: tenant, for: viewer).notes.map(\.body) == ["shared"])
        org.expectRefusal(.addNote(tenantID: tenant, id: .random(), kind: .shared, body: "x"), by: viewer, .forbidden)
        guard case .user(let viewerID) = viewer else { return }
        try org.run(.changeGrants(userID: viewerID, grant: PermissionSet(.workspaceProfessional), withdraw: []), by: .platformAdmin)
        #expect(try org.state.workspaceView(of: tenant, for: viewer).notes.count == 2)
    }

    @Test func outsidersAndReferenceOnlyContactsSeeNothingAndLearnNothing() throws {
        var org = OrgFixture()
        let tenant = org.tenant()
        var other = OrgFixture()
        let otherAdmin = other.member("admin@other.org", role: .orgAdmin)
        #expect(org.state.workspaceAccess(of: otherAdmin, tenant: tenant).isEmpty)
        do {
            _ = try org.state.workspaceView(of: tenant, for: otherAdmin)
            Issue.record("an outsider read the workspace")
        } catch {
            #expect(error.code == .tenantNotFound, "an outsider is told the same as for a tenant that does not exist")
        }
        #expect(org.state.workspaceAccess(of: .user(.random()), tenant: tenant).isEmpty)
    }

    @Test func aCollaboratorOfOneTenantSeesNoOtherTenant() throws {
        var org = OrgFixture()
        let mine = org.tenant("Mine")
        let theirs = org.tenant("Theirs")
        let (_, worker) = org.activeCollaborator(on: mine, mode: .full)
        #expect(org.state.workspaceAccess(of: worker, tenant: theirs).isEmpty)
        #expect(throws: DomainError.self) { try org.state.tenantsPage(for: worker, after: nil, limit: 10) }
    }

    @Test func workspaceWritesRefuseEmptyOversizedAndMalformedInput() throws {
        var org = OrgFixture()
        let tenant = org.tenant()
        org.expectRefusal(.addNote(tenantID: tenant, id: .random(), kind: .shared, body: "   "), by: .platformAdmin, .validationFailed)
        org.expectRefusal(
            .addNote(tenantID: tenant, id: .random(), kind: .shared, body: String(repeating: "x", count: 20_001)),
            by: .platformAdmin,
            .validationFailed
        )
        org.expectRefusal(.addGoal(tenantID: tenant, id: .random(), title: "", detail: nil), by: .platformAdmin, .validationFailed)
        org.expectRefusal(
            .addDocument(tenantID: tenant, id: .random(), name: "d", contentType: "pdf", sizeBytes: 1, checksum: "c"),
            by: .platformAdmin,
            .validationFailed
        )
        org.expectRefusal(
            .addDocument(tenantID: tenant, id: .random(), name: "d", contentType: "application/pdf", sizeBytes: -1, checksum: "c"),
            by: .platformAdmin,
            .validationFailed
        )
        org.expectRefusal(
            .recordSession(tenantID: tenant, id: .random(), occurredAt: org.now.adding(.days(3)), summary: "future"),
            by: .platformAdmin,
            .validationFailed
        )
        org.expectRefusal(.createTenant(id: .random(), name: "bad\u{7}name", reference: nil), by: .platformAdmin, .validationFailed)
    }
}
