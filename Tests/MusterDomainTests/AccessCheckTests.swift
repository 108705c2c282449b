import MusterDomain
import Testing

/// The access check an app backend asks (`POST …/access/check`): it must give, for every
/// standing a person can have on a case and every action of the access table, exactly the
/// workspace's own decision, with the reason.
@Suite struct AccessCheckTests {
    /// A person's standing on the case under test.
    enum Standing: String, CaseIterable {
        case orgAdmin, siteAdmin, caseworker, viewer
        case fullCollaborator, contextOnlyCollaborator, notYetActivated, ended, outsider, memberElsewhere
    }

    /// What each standing may do, straight from the access table (not from the code under test).
    static let allowed: [Standing: Set<AccessAction>] = {
        let full: Set<AccessAction> = [
            .viewTenant, .readSharedNotes, .writeSharedNotes, .readGoals, .writeGoals, .readAllSessions, .readOwnSessions, .recordSession,
            .readDocuments, .writeDocuments, .readContextSummary, .writeContextSummary,
        ]
        let reader: Set<AccessAction> = [
            .viewTenant, .readSharedNotes, .readGoals, .readAllSessions, .readOwnSessions, .readDocuments, .readContextSummary, .viewTeam,
            .exportDigest,
        ]
        let writer = reader.union(full)
        let professional: Set<AccessAction> = [.readProfessionalNotes, .writeProfessionalNotes]
        let team: Set<AccessAction> = [.inviteCollaborators, .endCollaborators]
        return [
            .orgAdmin: writer.union(professional).union(team),
            .siteAdmin: writer.union(professional).union(team),
            .caseworker: writer.union(professional).union(team),
            .viewer: reader,
            .fullCollaborator: full,
            .contextOnlyCollaborator: [.viewTenant, .readSharedNotes, .readGoals, .readContextSummary, .readOwnSessions, .recordSession],
            .notYetActivated: [], .ended: [], .outsider: [], .memberElsewhere: [],
        ]
    }()

    /// The reason a refusal gives, by standing.
    static let refusalReason: [Standing: AccessDecision.Reason] = [
        .orgAdmin: .roleDoesNotAllow, .siteAdmin: .roleDoesNotAllow, .caseworker: .roleDoesNotAllow, .viewer: .roleDoesNotAllow,
        .fullCollaborator: .modeDoesNotAllow, .contextOnlyCollaborator: .modeDoesNotAllow, .notYetActivated: .notYetActivated,
        .ended: .assignmentEnded, .outsider: .noAccess, .memberElsewhere: .noAccess,
    ]

    /// An org with one tenant and a person of `standing` on it.
    static func person(_ standing: Standing) -> (OrgFixture, TenantID, UserID) {
        var org = OrgFixture()
        let tenant = org.tenant()
        let principal: Principal
        switch standing {
        case .orgAdmin: principal = org.member("admin@example.org", role: .orgAdmin)
        case .siteAdmin: principal = org.member("site@example.org", role: .siteAdmin)
        case .caseworker: principal = org.member("cw@example.org", role: .caseworker)
        case .viewer: principal = org.member("viewer@example.org", role: .viewer)
        case .fullCollaborator: principal = org.activeCollaborator(on: tenant, mode: .full).1
        case .contextOnlyCollaborator: principal = org.activeCollaborator(on: tenant, mode: .contextOnly).1
        case .notYetActivated: principal = .user(try! org.collaborator(on: tenant, mode: .full).1)
        case .ended:
            let (row, worker) = org.activeCollaborator(on: tenant, mode: .full)
            try! org.run(.endCollaborator(id: row), by: .platformAdmin)
            principal = worker
        case .outsider: principal = .user(.random())
        case .memberElsewhere:
            var other = OrgFixture()
            principal = other.member("admin@other.example", role: .orgAdmin)
        }
        guard case .user(let userID) = principal else { preconditionFailure("a person") }
        return (org, tenant, userID)
    }

    @Test(arguments: Standing.allCases)
    func theCheckGivesTheWorkspacesOwnDecisionForEveryActionWithItsReason(_ standing: Standing) {
        let (org, tenant, userID) = Self.person(standing)
        let access = org.state.workspaceAccess(of: .user(userID), tenant: tenant)
        for action in AccessAction.allCases {
            let decision = org.state.accessDecision(AccessQuestion(userID: userID, tenantID: tenant, action: action))
            let expected = Self.allowed[standing]!.contains(action)
            #expect(decision.allowed == expected, "\(standing) \(action)")
            #expect(decision.allowed == (access.seesTenant && access.isSuperset(of: action.needs)), "the workspace's own rule: \(standing) \(action)")
            if decision.allowed {
                #expect(decision.reason == ([.fullCollaborator, .contextOnlyCollaborator].contains(standing) ? .mode : .role))
            } else {
                #expect(decision.reason == Self.refusalReason[standing], "\(standing) \(action)")
            }
        }
    }

    @Test func aDecisionNamesTheRoleAndTheModeItCameFrom() {
        let (staff, tenant, caseworker) = Self.person(.caseworker)
        let decision = staff.state.accessDecision(AccessQuestion(userID: caseworker, tenantID: tenant, action: .readGoals))
        #expect(decision.role == .caseworker && decision.mode == nil)
        let (org, tenant2, officer) = Self.person(.contextOnlyCollaborator)
        let refused = org.state.accessDecision(AccessQuestion(userID: officer, tenantID: tenant2, action: .writeGoals))
        #expect(!refused.allowed && refused.mode == .contextOnly && refused.role == nil)
    }

    @Test func endingAnAssignmentTurnsTheAnswerToNoOnTheNextCheck() throws {
        var org = OrgFixture()
        let tenant = org.tenant()
        let (row, worker) = org.activeCollaborator(on: tenant, mode: .full)
        guard case .user(let userID) = worker else { return }
        let question = AccessQuestion(userID: userID, tenantID: tenant, action: .writeSharedNotes)
        #expect(org.state.accessDecision(question).allowed)
        try org.run(.endCollaborator(id: row), by: .platformAdmin)
        #expect(org.state.accessDecision(question) == AccessDecision(allowed: false, reason: .assignmentEnded))
    }

    @Test func aTenantTheOrgDoesNotHaveIsRefusedAsNotFound() {
        let (org, _, admin) = Self.person(.orgAdmin)
        let decision = org.state.accessDecision(AccessQuestion(userID: admin, tenantID: .random(), action: .viewTenant))
        #expect(decision == AccessDecision(allowed: false, reason: .tenantNotFound))
    }

    /// Who may ask: staff holding `users.view`, and the platform admin; the rest are refused,
    /// outsiders as if the org did not exist.
    @Test func onlyStaffWhoMaySeeMembersMayAskAndOutsidersLearnNothing() {
        var org = OrgFixture()
        let asking: [(Principal, DomainError.Code?)] = [
            (.platformAdmin, nil),
            (org.member("a@example.org", role: .orgAdmin), nil),
            (org.member("s@example.org", role: .siteAdmin), nil),
            (org.member("c@example.org", role: .caseworker), .forbidden),
            (org.member("v@example.org", role: .viewer), .forbidden),
            (org.activeCollaborator(on: org.tenant(), mode: .full).1, .notFound),
            (.user(.random()), .notFound),
        ]
        for (principal, refusal) in asking {
            do {
                try org.state.requireAccessChecker(principal)
                #expect(refusal == nil, "\(principal) asked")
            } catch {
                #expect(error.code == refusal, "\(principal)")
            }
        }
    }

    /// The person's collaborator rows in invitation order, as the caseload index hands them on.
    static func rows(of userID: UserID, in org: OrgFixture) -> [CollaboratorID] {
        org.state.collaborators.rows.filter { $0.userID == userID }.map(\.id)
    }

    @Test func aMemberSeesEveryTenantAndACollaboratorOnlyTheirSignedInAssignments() throws {
        var org = OrgFixture()
        let tenants = (0..<5).map { org.tenant("Tenant \($0)") }
        guard case .user(let viewer) = org.member("viewer@example.org", role: .viewer) else { return }
        let all = try org.state.visibleTenants(of: viewer, among: Self.rows(of: viewer, in: org), after: nil, limit: 2)
        #expect(all.items.map(\.tenant.id) == Array(tenants[0..<2]) && all.items.allSatisfy { $0.role == .viewer })
        let rest = try org.state.visibleTenants(of: viewer, among: Self.rows(of: viewer, in: org), after: all.nextCursor, limit: 10)
        #expect(rest.items.map(\.tenant.id) == Array(tenants[2...]) && rest.nextCursor == nil)

        let userID = UserID.random()
        for (index, tenant) in tenants.enumerated() {
            let (row, _, proof) = try org.collaborator(on: tenant, mode: index == 0 ? .contextOnly : .full, userID: userID)
            if index < 4 { try org.run(.activateCollaborator(id: row, link: proof, userID: userID), by: .user(userID)) }
            if index == 1 { try org.run(.endCollaborator(id: row), by: .platformAdmin) }
        }
        let first = try org.state.visibleTenants(of: userID, among: Self.rows(of: userID, in: org), after: nil, limit: 2)
        #expect(first.items.map(\.tenant.id) == [tenants[0], tenants[2]], "not the ended one; in invitation order")
        #expect(first.items.map(\.mode) == [.contextOnly, .full])
        let second = try org.state.visibleTenants(of: userID, among: Self.rows(of: userID, in: org), after: first.nextCursor, limit: 2)
        #expect(second.items.map(\.tenant.id) == [tenants[3]], "not the one never signed in to")
        #expect(second.nextCursor == nil)
        #expect(try org.state.visibleTenants(of: .random(), among: Self.rows(of: .random(), in: org), after: nil, limit: 10).items.isEmpty)
        let stranger = UserID.random()
        #expect(
            try org.state.visibleTenants(of: stranger, among: Self.rows(of: userID, in: org), after: nil, limit: 10).items.isEmpty,
            "someone else's rows never show as a stranger's"
        )
    }

    @Test func aBadCursorOrLimitIsRefusedAndChangesNothing() {
        var org = OrgFixture()
        _ = org.tenant()
        guard case .user(let viewer) = org.member("viewer@example.org", role: .viewer) else { return }
        let before = org.state
        #expect(throws: DomainError.self) { try org.state.visibleTenants(of: viewer, among: Self.rows(of: viewer, in: org), after: 99, limit: 10) }
        #expect(throws: DomainError.self) { try org.state.visibleTenants(of: viewer, among: Self.rows(of: viewer, in: org), after: nil, limit: 0) }
        #expect(throws: DomainError.self) {
            try org.state.visibleTenants(of: .random(), among: Self.rows(of: .random(), in: org), after: 99, limit: 10)
        }
        #expect(org.state == before)
    }
}
