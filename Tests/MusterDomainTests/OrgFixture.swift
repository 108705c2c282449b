import MusterDomain
import Testing

/// An org's state, a policy and a clock under the test's control, with shortcuts to people.
struct OrgFixture {
    var state = OrgState(id: .random())
    var policy = Policy()
    var now = Timestamp(millisecondsSinceEpoch: 1_767_225_600_000)
    /// Every record applied, in order, for replay checks.
    var log: [OrgEventRecord] = []

    init(policy: Policy = Policy()) {
        self.policy = policy
        try! run(.createOrganisation(name: "Riverside Housing"), by: .platformAdmin)
    }

    /// Decides and applies `command` at `now`.
    @discardableResult
    mutating func run(_ command: OrgCommand, by principal: Principal) throws(DomainError) -> [OrgEventRecord] {
        let records = try state.execute(command, by: principal, at: now, policy: policy)
        log += records
        return records
    }

    /// Runs `command` expecting the refusal `code`, and checks that the state did not change.
    mutating func expectRefusal(
        _ command: OrgCommand,
        by principal: Principal,
        _ code: DomainError.Code,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let before = state
        do {
            try run(command, by: principal)
            Issue.record("expected \(code.rawValue), but the command succeeded", sourceLocation: sourceLocation)
        } catch {
            #expect(error.code == code, "\(error.message)", sourceLocation: sourceLocation)
        }
        #expect(state == before, "a refused command changed the state", sourceLocation: sourceLocation)
    }

    mutating func advance(_ span: Span) {
        now = now.adding(span)
    }

    /// Invites `email` with `role` and returns the invitation id and what its link proves.
    @discardableResult
    mutating func invite(
        _ email: String,
        role: Role = .caseworker,
        by principal: Principal = .platformAdmin
    ) throws(DomainError) -> (
        InvitationID, LinkProof
    ) {
        let id = InvitationID.random()
        let seal = Self.seal()
        try run(.invite(id: id, email: try EmailAddress(email), role: role, method: .email, existingUserID: nil, seal: seal), by: principal)
        return (id, Self.proof(seal))
    }

    /// Makes a new member with `role` through invite and accept; returns their principal.
    mutating func member(_ email: String, role: Role) -> Principal {
        let (id, digest) = try! invite(email, role: role)
        let userID = UserID.random()
        try! run(.acceptInvitation(id: id, link: digest, userID: userID, userIsNew: true), by: .user(userID))
        return .user(userID)
    }

    /// Creates a tenant and returns its id.
    mutating func tenant(_ name: String = "Alex Tenant") -> TenantID {
        let id = TenantID.random()
        try! run(.createTenant(id: id, name: name, reference: nil), by: .platformAdmin)
        return id
    }

    /// Invites a full or context-only collaborator and returns the row id, their user and what the link proves.
    mutating func collaborator(
        on tenantID: TenantID,
        mode: ParticipationMode,
        userID: UserID = .random(),
        caseload: Int = 0
    ) throws(DomainError) -> (
        CollaboratorID, UserID, LinkProof
    ) {
        let id = CollaboratorID.random()
        let seal = Self.seal()
        let person = OrgCommand.CollaboratorRequest.Person(
            userID: userID,
            email: try EmailAddress("worker-\(userID)@support.example"),
            fullName: "Sam Worker"
        )
        try run(
            .inviteCollaborator(.init(id: id, tenantID: tenantID, mode: mode, person: person, seal: seal, caseload: caseload)),
            by: .platformAdmin
        )
        return (id, userID, Self.proof(seal))
    }

    /// An invited and activated collaborator; returns the row id and their principal.
    mutating func activeCollaborator(on tenantID: TenantID, mode: ParticipationMode) -> (CollaboratorID, Principal) {
        let (id, userID, digest) = try! collaborator(on: tenantID, mode: mode)
        try! run(.activateCollaborator(id: id, link: digest, userID: userID), by: .user(userID))
        return (id, .user(userID))
    }

    /// A fresh random link seal.
    static func seal() -> LinkSeal {
        LinkSeal(nonce: .random())
    }

    /// What a link signed over `seal`'s nonce proves (its text's digest is random here).
    static func proof(_ seal: LinkSeal) -> LinkProof {
        LinkProof(nonce: seal.nonce, digest: randomDigest())
    }

    /// A random secret digest.
    static func randomDigest() -> SecretDigest {
        SecretDigest(word0: .random(in: 0 ... .max), word1: .random(in: 0 ... .max))
    }

    /// The state rebuilt from the log alone.
    func replayed() -> OrgState {
        var fresh = OrgState(id: state.id)
        for record in log { fresh.apply(record) }
        return fresh
    }
}
