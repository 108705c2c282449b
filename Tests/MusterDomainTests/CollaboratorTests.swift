import MusterDomain
import Testing

@Suite struct CollaboratorTests {
    @Test func accountModesNeedAnEmailAndAFullName() throws {
        var org = OrgFixture()
        let tenant = org.tenant()
        for mode in [ParticipationMode.full, .contextOnly] {
            org.expectRefusal(
                .inviteCollaborator(.init(id: .random(), tenantID: tenant, mode: mode, seal: OrgFixture.seal())),
                by: .platformAdmin,
                .validationFailed
            )
            let blankName = OrgCommand.CollaboratorRequest.Person(userID: .random(), email: try EmailAddress("w@x.org"), fullName: "  ")
            org.expectRefusal(
                .inviteCollaborator(.init(id: .random(), tenantID: tenant, mode: mode, person: blankName, seal: OrgFixture.seal())),
                by: .platformAdmin,
                .validationFailed
            )
        }
    }

    @Test func aReferenceOnlyContactNeedsANameAndAnEmailOrPhoneAndNeverGetsAnAccountOrALink() throws {
        var org = OrgFixture()
        let tenant = org.tenant()
        org.expectRefusal(
            .inviteCollaborator(.init(id: .random(), tenantID: tenant, mode: .referenceOnly, contact: ContactCard(name: "PO Smith"))),
            by: .platformAdmin,
            .validationFailed
        )
        org.expectRefusal(
            .inviteCollaborator(
                .init(id: .random(), tenantID: tenant, mode: .referenceOnly, contact: ContactCard(name: " ", phone: "0161 555 0100"))
            ),
            by: .platformAdmin,
            .validationFailed
        )
        org.expectRefusal(
            .inviteCollaborator(
                .init(id: .random(), tenantID: tenant, mode: .referenceOnly, contact: ContactCard(name: "PO Smith", phone: "call me"))
            ),
            by: .platformAdmin,
            .validationFailed
        )
        let person = OrgCommand.CollaboratorRequest.Person(userID: .random(), email: try EmailAddress("po@probation.example"), fullName: "PO Smith")
        org.expectRefusal(
            .inviteCollaborator(
                .init(
                    id: .random(),
                    tenantID: tenant,
                    mode: .referenceOnly,
                    person: person,
                    contact: ContactCard(name: "PO Smith", phone: "0161 555 0100")
                )
            ),
            by: .platformAdmin,
            .validationFailed
        )
        org.expectRefusal(
            .inviteCollaborator(
                .init(
                    id: .random(),
                    tenantID: tenant,
                    mode: .referenceOnly,
                    contact: ContactCard(name: "PO Smith", phone: "0161 555 0100"),
                    seal: OrgFixture.seal()
                )
            ),
            by: .platformAdmin,
            .validationFailed
        )

        let id = CollaboratorID.random()
        let card = ContactCard(name: " PO Smith ", phone: "0161 555 0100", organisationName: "Probation Service", roleLabel: "Probation officer")
        try org.run(.inviteCollaborator(.init(id: id, tenantID: tenant, mode: .referenceOnly, contact: card)), by: .platformAdmin)
        let row = try #require(org.state.collaborators[id])
        #expect(row.userID == nil && row.email == nil && row.link == nil)
        #expect(row.contact?.name == "PO Smith")
        #expect(!row.grantsAccess)
    }

    @Test func aContactCardIsEditedWithoutAnyLinkAndOnlyForReferenceOnlyRows() throws {
        var org = OrgFixture()
        let tenant = org.tenant()
        let id = CollaboratorID.random()
        try org.run(
            .inviteCollaborator(
                .init(
                    id: id,
                    tenantID: tenant,
                    mode: .referenceOnly,
                    contact: ContactCard(name: "Dr Patel", email: try EmailAddress("gp@surgery.example"))
                )
            ),
            by: .platformAdmin
        )
        let records = try org.run(
            .updateContact(id: id, contact: ContactCard(name: "Dr Patel", phone: "0161 555 0199", roleLabel: "GP")),
            by: .platformAdmin
        )
        #expect(records.map(\.event.kind) == [.collaboratorContactUpdated])
        #expect(org.state.collaborators[id]?.contact?.phone == "0161 555 0199")
        #expect(org.state.collaborators[id]?.contact?.email == nil)
        org.expectRefusal(.updateContact(id: id, contact: ContactCard(name: "Dr Patel")), by: .platformAdmin, .validationFailed)
        let (fullRow, _, _) = try org.collaborator(on: tenant, mode: .full)
        org.expectRefusal(.updateContact(id: fullRow, contact: ContactCard(name: "X", phone: "0161 555 0100")), by: .platformAdmin, .notReferenceOnly)
    }

    @Test func aCollaboratorSeesTheTenantOnlyAfterSigningInThroughTheirLink() throws {
        var org = OrgFixture()
        let tenant = org.tenant()
        let (id, userID, digest) = try org.collaborator(on: tenant, mode: .full)
        #expect(org.state.workspaceAccess(of: .user(userID), tenant: tenant).isEmpty)
        org.expectRefusal(.activateCollaborator(id: id, link: OrgFixture.proof(OrgFixture.seal()), userID: userID), by: .user(userID), .tokenInvalid)
        org.expectRefusal(.activateCollaborator(id: id, link: digest, userID: .random()), by: .system, .tokenInvalid)
        try org.run(.activateCollaborator(id: id, link: digest, userID: userID), by: .user(userID))
        #expect(org.state.workspaceAccess(of: .user(userID), tenant: tenant) == .fullCollaborator)
        org.expectRefusal(.activateCollaborator(id: id, link: digest, userID: userID), by: .user(userID), .tokenUsed)
    }

    @Test func anActivationLinkExpires() throws {
        var org = OrgFixture()
        let tenant = org.tenant()
        let (id, userID, digest) = try org.collaborator(on: tenant, mode: .contextOnly)
        org.advance(.days(7))
        org.expectRefusal(.activateCollaborator(id: id, link: digest, userID: userID), by: .user(userID), .tokenExpired)
    }

    @Test func endingRemovesAccessAtOnceAndKeepsTheirAuthorship() throws {
        var org = OrgFixture()
        let tenant = org.tenant()
        let (id, worker) = org.activeCollaborator(on: tenant, mode: .full)
        try org.run(.addNote(tenantID: tenant, id: .random(), kind: .shared, body: "Visited, rent plan agreed."), by: worker)
        try org.run(.recordSession(tenantID: tenant, id: .random(), occurredAt: org.now, summary: "Home visit"), by: worker)
        org.advance(.hours(1))
        try org.run(.endCollaborator(id: id), by: .platformAdmin)
        #expect(org.state.collaborators[id]?.endedAt == org.now)
        #expect(org.state.workspaceAccess(of: worker, tenant: tenant).isEmpty)
        org.expectRefusal(.addNote(tenantID: tenant, id: .random(), kind: .shared, body: "After the end"), by: worker, .tenantNotFound)
        #expect(throws: DomainError.self) { try org.state.workspaceView(of: tenant, for: worker) }
        let workspace = try org.state.workspaceView(of: tenant, for: .platformAdmin)
        #expect(workspace.notes.map(\.authorship.author) == [worker])
        #expect(workspace.sessions.map(\.authorship.author) == [worker])
        org.expectRefusal(.endCollaborator(id: id), by: .platformAdmin, .collaboratorEnded)
    }

    @Test func aWrongModeIsFixedByEndingAndInvitingAgainAsANewRow() throws {
        var org = OrgFixture()
        let tenant = org.tenant()
        let (first, userID, _) = try org.collaborator(on: tenant, mode: .full)
        do {
            _ = try org.collaborator(on: tenant, mode: .contextOnly, userID: userID)
            Issue.record("a second active row for one person and tenant")
        } catch {
            #expect(error.code == .collaboratorExists)
            #expect(error.existingRecord == first.description)
        }
        try org.run(.endCollaborator(id: first), by: .platformAdmin)
        let (second, _, _) = try org.collaborator(on: tenant, mode: .contextOnly, userID: userID)
        #expect(second != first)
        #expect(org.state.collaborators[first]?.endedAt != nil)
        #expect(org.state.collaborators(of: tenant).map(\.id) == [first, second])
    }

    @Test func theFiveHundredAndFirstTenantIsRefusedWithoutTheOverrideAndAuditedWithIt() throws {
        var org = OrgFixture()
        let tenant = org.tenant()
        let userID = UserID.random()
        do {
            _ = try org.collaborator(on: tenant, mode: .full, userID: userID, caseload: 500)
            Issue.record("the cap did not hold")
        } catch {
            #expect(error.code == .caseloadCapReached)
            #expect(error.message.contains("500"))
        }
        _ = try org.collaborator(on: tenant, mode: .full, userID: .random(), caseload: 499)
        let id = CollaboratorID.random()
        let person = OrgCommand.CollaboratorRequest.Person(userID: userID, email: try EmailAddress("busy@support.example"), fullName: "Busy Worker")
        try org.run(
            .inviteCollaborator(
                .init(id: id, tenantID: tenant, mode: .full, person: person, seal: OrgFixture.seal(), caseload: 500, overrideCap: true)
            ),
            by: .platformAdmin
        )
        #expect(org.state.collaborators[id]?.capOverridden == true)
        #expect(org.state.audit.last?.details?.contains("caseload cap overridden") == true)
    }

    @Test func aCollaboratorCannotInviteOrEndOtherCollaborators() throws {
        var org = OrgFixture()
        let tenant = org.tenant()
        let (other, _, _) = try org.collaborator(on: tenant, mode: .full)
        let (_, worker) = org.activeCollaborator(on: tenant, mode: .full)
        let person = OrgCommand.CollaboratorRequest.Person(userID: .random(), email: try EmailAddress("friend@x.org"), fullName: "A Friend")
        org.expectRefusal(
            .inviteCollaborator(.init(id: .random(), tenantID: tenant, mode: .full, person: person, seal: OrgFixture.seal())),
            by: worker,
            .notFound
        )
        org.expectRefusal(.endCollaborator(id: other), by: worker, .notFound)
        org.expectRefusal(
            .inviteCollaborator(.init(id: .random(), tenantID: .random(), mode: .full, person: person, seal: OrgFixture.seal())),
            by: .platformAdmin,
            .tenantNotFound
        )
    }

    @Test func theDigestNeverHoldsReferenceOnlyContactsOrProfessionalNotes() throws {
        var org = OrgFixture()
        let tenant = org.tenant()
        let (fullRow, worker) = org.activeCollaborator(on: tenant, mode: .full)
        try org.run(
            .inviteCollaborator(
                .init(id: .random(), tenantID: tenant, mode: .referenceOnly, contact: ContactCard(name: "PO Smith", phone: "0161 555 0100"))
            ),
            by: .platformAdmin
        )
        try org.run(.addNote(tenantID: tenant, id: .random(), kind: .professional, body: "Safeguarding concern"), by: .platformAdmin)
        try org.run(.addNote(tenantID: tenant, id: .random(), kind: .shared, body: "Rent plan agreed"), by: worker)
        let digest = try org.state.digest(of: tenant, for: .platformAdmin)
        #expect(digest.team.map(\.collaboratorID) == [fullRow])
        #expect(digest.sharedNotes.map(\.body) == ["Rent plan agreed"])
        #expect(!String(describing: digest).contains("PO Smith"))
        #expect(!String(describing: digest).contains("Safeguarding"))
        #expect(throws: DomainError.self, "a collaborator exported the digest") { try org.state.digest(of: tenant, for: worker) }
        let team = try org.state.team(of: tenant, for: .platformAdmin)
        #expect(team.count == 2, "staff see the reference-only contact on the team list")
        #expect(throws: DomainError.self, "a collaborator saw the team") { try org.state.team(of: tenant, for: worker) }
    }
}
