import MusterDomain
import MusterEngine
import Testing

@Suite struct CaseloadTests {
    @Test func endingAnAssignmentRemovesTheTenantFromCaseloadAndAccessAtOnceAndKeepsAuthorship() async throws {
        let fixture = EngineFixture()
        let (orgID, admin) = try await fixture.org()
        let tenant = try await fixture.engine.createTenant(org: orgID, name: "Alex Tenant", by: admin)
        let (row, workerID) = try await fixture.activeCollaborator(org: orgID, tenant: tenant.id, "worker@support.example")
        let worker = Principal.user(workerID)
        try await fixture.engine.writeWorkspace(org: orgID, .note(tenant: tenant.id, kind: .shared, body: "Rent plan agreed"), by: worker)
        #expect(try await fixture.engine.caseload(of: workerID).map(\.tenantID) == [tenant.id])

        _ = try await fixture.engine.endCollaborator(org: orgID, id: row.id, by: admin)

        #expect(try await fixture.engine.caseload(of: workerID).isEmpty)
        #expect(try await fixture.engine.access(org: orgID, tenant: tenant.id, by: worker).isEmpty)
        await expectRefusal(.tenantNotFound) { try await fixture.engine.workspace(org: orgID, tenant: tenant.id, by: worker) }
        let notes = try await fixture.engine.workspace(org: orgID, tenant: tenant.id, by: admin).notes
        #expect(notes.map(\.authorship.author) == [worker])
        let link = try #require(try await fixture.engine.requestSignInLink(email: fixture.email("worker@support.example")))
        let signedIn = try await fixture.engine.verifyLink(token: link.token)
        #expect(try await fixture.engine.authenticate(bearer: signedIn.sessionToken) == worker, "their account is untouched")
    }

    @Test func endingInOneOrgLeavesTheSamePersonsAssignmentInAnotherOrgUntouched() async throws {
        let fixture = EngineFixture()
        let (first, firstAdmin) = try await fixture.org("First Housing")
        let (second, secondAdmin) = try await fixture.org("Second Care")
        let tenantA = try await fixture.engine.createTenant(org: first, name: "Tenant A", by: firstAdmin)
        let tenantB = try await fixture.engine.createTenant(org: second, name: "Tenant B", by: secondAdmin)
        let (rowA, workerID) = try await fixture.activeCollaborator(org: first, tenant: tenantA.id, "shared@support.example", by: firstAdmin)
        let (_, sameWorker) = try await fixture.activeCollaborator(
            org: second,
            tenant: tenantB.id,
            "Shared@Support.example ",
            mode: .contextOnly,
            by: secondAdmin
        )
        #expect(sameWorker == workerID, "one user across orgs")
        let caseload = try await fixture.engine.caseload(of: workerID)
        #expect(Set(caseload.map(\.orgID)) == [first, second])
        #expect(caseload.first { $0.orgID == second }?.mode == .contextOnly)
        #expect(caseload.first { $0.orgID == second }?.orgName == "Second Care")

        _ = try await fixture.engine.endCollaborator(org: first, id: rowA.id, by: firstAdmin)

        #expect(try await fixture.engine.caseload(of: workerID).map(\.tenantID) == [tenantB.id])
        #expect(try await fixture.engine.access(org: second, tenant: tenantB.id, by: .user(workerID)) == .contextOnlyCollaborator)
    }

    @Test func aCollaboratorSeesATenantInTheirCaseloadOnlyAfterTheirFirstSignIn() async throws {
        let fixture = EngineFixture()
        let (orgID, admin) = try await fixture.org()
        let tenant = try await fixture.engine.createTenant(org: orgID, name: "Alex", by: admin)
        let issued = try await fixture.engine.inviteCollaborator(
            org: orgID,
            tenant: tenant.id,
            mode: .full,
            invitee: .person(email: fixture.email("new@support.example"), fullName: "New Worker"),
            by: admin
        )
        let userID = try #require(issued.collaborator.userID)
        let user = try #require(await fixture.engine.directoryState().users[userID])
        #expect(user.identityOrganisation?.name == "New Worker (support provider)")
        #expect(try await fixture.engine.caseload(of: userID).isEmpty)
        let signedIn = try await fixture.engine.verifyLink(token: issued.token!)
        #expect(signedIn.activatedAssignment?.tenantID == tenant.id)
        #expect(try await fixture.engine.caseload(of: userID).map(\.tenantName) == ["Alex"])
        await expectRefusal(.tokenUsed) { try await fixture.engine.verifyLink(token: issued.token!) }
    }

    @Test func theFiveHundredAndFirstDistinctTenantAcrossOrgsIsRefusedWithoutTheOverride() async throws {
        let fixture = EngineFixture()
        let (first, firstAdmin) = try await fixture.org("First")
        let (second, secondAdmin) = try await fixture.org("Second")
        let worker = fixture.email("busy@support.example")
        for index in 0..<500 {
            let (orgID, admin) = index.isMultiple(of: 2) ? (first, firstAdmin) : (second, secondAdmin)
            let tenant = try await fixture.engine.createTenant(org: orgID, name: "Tenant \(index)", by: admin)
            _ = try await fixture.engine.inviteCollaborator(
                org: orgID,
                tenant: tenant.id,
                mode: .full,
                invitee: .person(email: worker, fullName: "Busy Worker"),
                by: admin
            )
        }
        let extra = try await fixture.engine.createTenant(org: first, name: "One too many", by: firstAdmin)
        let recordsBefore = fixture.sink.records.count
        await expectRefusal(.caseloadCapReached) {
            try await fixture.engine.inviteCollaborator(
                org: first,
                tenant: extra.id,
                mode: .full,
                invitee: .person(email: worker, fullName: "Busy Worker"),
                by: firstAdmin
            )
        }
        #expect(fixture.sink.records.count == recordsBefore, "the refusal changed nothing")
        let overridden = try await fixture.engine.inviteCollaborator(
            org: first,
            tenant: extra.id,
            mode: .full,
            invitee: .person(email: worker, fullName: "Busy Worker"),
            overrideCap: true,
            by: firstAdmin
        )
        #expect(overridden.collaborator.capOverridden)
        let audit = try await fixture.engine.audit(
            org: first,
            filter: AuditFilter(actions: [.collaboratorInvited], target: overridden.collaborator.id),
            by: firstAdmin
        )
        #expect(audit.items.first?.actor == firstAdmin)
        #expect(audit.items.first?.details?.contains("overridden") == true)
    }

    @Test func aReferenceOnlyContactNeverBecomesAUserNeverGetsALinkAndIsNeverInADigest() async throws {
        let fixture = EngineFixture()
        let (orgID, admin) = try await fixture.org()
        let tenant = try await fixture.engine.createTenant(org: orgID, name: "Alex", by: admin)
        let contactEmail = fixture.email("po@probation.example")
        let issued = try await fixture.engine.inviteCollaborator(
            org: orgID,
            tenant: tenant.id,
            mode: .referenceOnly,
            invitee: .contact(ContactCard(name: "PO Smith", email: contactEmail, organisationName: "Probation", roleLabel: "Probation officer")),
            by: admin
        )
        #expect(issued.token == nil, "no link, so no email")
        #expect(issued.collaborator.userID == nil)
        #expect(await fixture.engine.directoryState().user(email: contactEmail) == nil)
        let digest = try await fixture.engine.digest(org: orgID, tenant: tenant.id, by: admin)
        #expect(digest.team.isEmpty)
        #expect(try await fixture.engine.team(org: orgID, tenant: tenant.id, by: admin).map(\.id) == [issued.collaborator.id])
        await expectRefusal(.validationFailed) {
            try await fixture.engine.inviteCollaborator(
                org: orgID,
                tenant: tenant.id,
                mode: .referenceOnly,
                invitee: .person(email: contactEmail, fullName: "PO Smith"),
                by: admin
            )
        }
    }

    @Test func aRefusedCollaboratorInviteCreatesNoUser() async throws {
        let fixture = EngineFixture()
        let (orgID, _) = try await fixture.org()
        let viewer = try await fixture.member(of: orgID, "viewer@example.org", role: .viewer)
        let tenant = try await fixture.engine.createTenant(org: orgID, name: "Alex", by: .platformAdmin)
        await expectRefusal(.forbidden) {
            try await fixture.engine.inviteCollaborator(
                org: orgID,
                tenant: tenant.id,
                mode: .full,
                invitee: .person(email: fixture.email("x@support.example"), fullName: "X"),
                by: viewer
            )
        }
        #expect(await fixture.engine.directoryState().user(email: fixture.email("x@support.example")) == nil)
    }
}
