import MusterDomain
import MusterEngine
import MusterSecurity
import Testing

/// An engine over an in-memory sink and a manual clock, with shortcuts to people.
struct EngineFixture {
    let sink = InMemoryEventSink()
    let clock = ManualClock()
    let engine: MusterEngine

    init(policy: Policy = Policy()) {
        engine = MusterEngine(
            policy: policy,
            secret: Array(repeating: 42, count: 32),
            sink: sink,
            clock: clock,
            hasher: PasswordHasher(rounds: 1_000)
        )
    }

    /// A second engine rebuilt from this one's states, as a start rebuilds them: the person
    /// index and the directory's view made from the orgs' rows, over a sink of its own.
    func recovered() async -> MusterEngine {
        await MusterEngine(
            recovering: await engine.orgStates(),
            directory: await engine.directoryState(),
            secret: Array(repeating: 42, count: 32),
            sink: InMemoryEventSink(),
            clock: clock
        )
    }

    func email(_ text: String) -> EmailAddress {
        try! EmailAddress(text)
    }

    /// A new org with an org admin who accepted their invitation; returns the org and admin.
    func org(_ name: String = "Riverside Housing") async throws -> (OrganisationID, Principal) {
        let orgID = try await engine.createOrganisation(name: name, by: .platformAdmin)
        let admin = try await member(of: orgID, "admin-\(UInt32.random(in: 0 ... .max))@\(orgID).example", role: .orgAdmin)
        return (orgID, admin)
    }

    /// Invites and accepts a member; returns their principal.
    func member(of orgID: OrganisationID, _ address: String, role: Role) async throws -> Principal {
        let issued = try await engine.invite(org: orgID, email: email(address), role: role, method: .email, by: .platformAdmin)
        let acceptance = try await engine.acceptInvitation(token: issued.token)
        return .user(acceptance.user.id)
    }

    /// Invites a full or context-only collaborator and signs them in through their link.
    func activeCollaborator(
        org orgID: OrganisationID,
        tenant tenantID: TenantID,
        _ address: String,
        mode: ParticipationMode = .full,
        by principal: Principal = .platformAdmin
    ) async throws -> (Collaborator, UserID) {
        let issued = try await engine.inviteCollaborator(
            org: orgID,
            tenant: tenantID,
            mode: mode,
            invitee: .person(email: email(address), fullName: "Sam Worker"),
            by: principal
        )
        let signedIn = try await engine.verifyLink(token: issued.token!)
        return (issued.collaborator, signedIn.user.id)
    }
}

/// Expects `body` to throw a ``DomainError`` with `code`.
func expectRefusal<T>(_ code: DomainError.Code, sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> T) async {
    do {
        _ = try await body()
        Issue.record("expected \(code.rawValue), but it succeeded", sourceLocation: sourceLocation)
    } catch let error as DomainError {
        #expect(error.code == code, "\(error.message)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("expected \(code.rawValue), got \(error)", sourceLocation: sourceLocation)
    }
}
