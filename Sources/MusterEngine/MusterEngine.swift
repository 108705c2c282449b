import MusterDomain
import MusterSecurity
import Synchronization

/// The façade of Muster's engine: routes each command to the actor that owns its state, does
/// the work that must not run inside an actor (signing, hashing, waiting for durability), and
/// answers only once what it answers with is durable.
///
/// Orgs are independent: each has its own ``OrgActor``, so they run in parallel. What is global
/// lives in two actors: the user directory and the person index (caseloads, memberships).
public final class MusterEngine: Sendable {
    /// The limits every decision uses.
    public let policy: Policy
    let clock: any WallClock
    let sink: any EventSink
    let signer: LinkTokenSigner
    /// The slow password hashes, run on threads of their own.
    public let hashing: PasswordHashingPool
    let directory: UserDirectory
    let people: PersonIndex
    /// Where every webhook lives, for the delivery service.
    let webhookDirectory = WebhookDirectory()
    /// Each org's latest version, for long-polling feed readers and webhook workers.
    public let changes = ChangeSignal<OrganisationID>()
    /// The trace of the request behind each recent record, and whether spans are made at all
    /// (off until the server exports traces).
    public let traces = RequestTraces()
    /// The engine's current time, as its rules see it.
    public var now: Timestamp { clock.now() }
    /// When each API key was last used, to the minute.
    public let keyUsage = KeyUsageLedger()
    let orgs = Mutex<[OrganisationID: OrgActor]>([:])

    /// Creates an engine with empty state.
    ///
    /// - Parameters:
    ///   - secret: the server secret that signs magic links (at least 32 bytes).
    ///   - sink: where the events of every command go; the write-ahead log in production.
    ///   - clock: the source of the time passed to every decision.
    ///   - hasher: the password hasher (lower its rounds in tests only).
    public convenience init(
        policy: Policy = Policy(),
        secret: [UInt8],
        sink: any EventSink,
        clock: any WallClock = SystemWallClock(),
        hasher: PasswordHasher = PasswordHasher()
    ) {
        self.init(policy: policy, secret: secret, sink: sink, clock: clock, hasher: hasher, directoryState: DirectoryState(), people: PersonIndex())
    }

    /// Creates an engine from recovered state (a snapshot plus the log after it), rebuilding the
    /// person index from the orgs' collaborator rows.
    public convenience init(
        recovering orgStates: [OrgState],
        directory: DirectoryState,
        policy: Policy = Policy(),
        secret: [UInt8],
        sink: any EventSink,
        clock: any WallClock = SystemWallClock(),
        hasher: PasswordHasher = PasswordHasher()
    ) async {
        let people = PersonIndex(recovering: orgStates)
        self.init(policy: policy, secret: secret, sink: sink, clock: clock, hasher: hasher, directoryState: directory, people: people)
        let actors = orgStates.map { OrgActor(state: $0, sink: sink, clock: clock, policy: policy, changes: changes, traces: traces) }
        orgs.withLock { table in
            for actor in actors { table[actor.id] = actor }
        }
        webhookDirectory.add(orgStates)
    }

    private init(
        policy: Policy,
        secret: [UInt8],
        sink: any EventSink,
        clock: any WallClock,
        hasher: PasswordHasher,
        directoryState: DirectoryState,
        people: PersonIndex
    ) {
        self.people = people
        self.policy = policy
        self.clock = clock
        self.sink = sink
        self.signer = LinkTokenSigner(secret: secret)
        self.hashing = PasswordHashingPool(hasher: hasher)
        self.directory = UserDirectory(state: directoryState, sink: sink, clock: clock, policy: policy, traces: traces)
    }

    /// The actor of an existing org, or `not_found`.
    func org(_ orgID: OrganisationID) throws(DomainError) -> OrgActor {
        guard let actor = orgs.withLock({ $0[orgID] }) else {
            throw .notFound("organisation \(orgID) does not exist")
        }
        return actor
    }

    /// Every org's actor.
    func allOrgActors() -> [OrgActor] {
        orgs.withLock { Array($0.values) }
    }

    /// Where followers read the durable records, when the sink offers it (every sink Muster
    /// ships does).
    public var durableRecords: (any DurableRecordSource)? { sink as? any DurableRecordSource }

    /// Waits until `position` is durable: the last step before any answer.
    func durable(_ position: LogPosition) async throws {
        guard position > 0 else { return }
        try await traces.span("muster.log.wait") { try await sink.waitUntilDurable(position) }
    }

    /// Runs a command on an org and waits for it to be durable; merges person-index changes first,
    /// so that the very next request sees them. The record carries `context`'s mark, and its
    /// position is noted in `context` once durable.
    func run<Answer: Sendable>(
        _ command: OrgCommand,
        on orgID: OrganisationID,
        by principal: Principal,
        context: CommandContext,
        answer: @Sendable (OrgState) throws(DomainError) -> Answer
    ) async throws -> Answer {
        let actor = try org(orgID)
        let mark = context.mark
        let outcome = try await traces.span("muster.org.step") { try await actor.execute(command, by: principal, mark: mark, answer: answer) }
        if !outcome.personChanges.isEmpty {
            await people.merge(outcome.personChanges, position: outcome.position)
        }
        webhookDirectory.note(outcome.records, of: orgID)
        try await durable(outcome.position)
        if !outcome.records.isEmpty { context.noteDurable(outcome.position) }
        return outcome.answer
    }

    /// Refuses a consistency token (`at_least`) that names no position of this log. Every
    /// position a caller can hold was durable, and so applied, before it was handed out: a read
    /// behind the read fence then reflects it without waiting.
    func requireReflected(_ position: LogPosition?) throws(DomainError) {
        guard let position, let source = durableRecords else { return }
        let end = source.durablePosition
        guard position <= end else {
            throw .validation("at_least \(position) is beyond the log's end (\(end)); pass a position Muster returned (Muster-Position or as_of)")
        }
    }

    /// Reads from an org's state behind the read fence: answers only once everything the read
    /// observed is durable.
    func read<Answer: Sendable>(_ orgID: OrganisationID, _ body: @Sendable (OrgState, Timestamp) throws(DomainError) -> Answer) async throws -> Answer
    {
        try await readWithPosition(orgID, body).answer
    }

    /// Like ``read(_:_:)``, with the log position the state it read reflects.
    func readWithPosition<Answer: Sendable>(
        _ orgID: OrganisationID,
        _ body: @Sendable (OrgState, Timestamp) throws(DomainError) -> Answer
    )
        async throws -> (answer: Answer, position: LogPosition)
    {
        let (answer, position) = try await org(orgID).read(body)
        try await durable(position)
        return (answer, position)
    }

    /// Reads from the directory behind the read fence.
    func readDirectory<Answer: Sendable>(_ body: @Sendable (DirectoryState, Timestamp) throws(DomainError) -> Answer) async throws -> Answer {
        let (answer, position) = try await directory.read(body)
        try await durable(position)
        return answer
    }

    // MARK: Organisations

    /// Creates an organisation (platform admin only) and returns its id.
    public func createOrganisation(name: String, by principal: Principal, context: CommandContext = .detached) async throws -> OrganisationID {
        let orgID = OrganisationID.timeOrdered()
        let actor = OrgActor(state: OrgState(id: orgID), sink: sink, clock: clock, policy: policy, changes: changes, traces: traces)
        let outcome = try await traces.span("muster.org.step") {
            try await actor.execute(.createOrganisation(name: name), by: principal, mark: context.mark) { _ throws(DomainError) in () }
        }
        orgs.withLock { $0[orgID] = actor }
        try await durable(outcome.position)
        context.noteDurable(outcome.position)
        return orgID
    }

    /// The org's public summary: its name and when it was created.
    public func organisation(_ orgID: OrganisationID, by principal: Principal) async throws -> OrganisationSummary {
        try await read(orgID) { state, _ throws(DomainError) in
            try state.requireStaff(principal, toDo: "see the organisation")
            return OrganisationSummary(state)
        }
    }

    /// What `principal` may do in the org, for a console that shows only what they may use:
    /// their permission keys and whether they are an org admin; `nil` for someone assigned to
    /// one of its cases now who is not on its staff. Anyone else is told the org does not exist,
    /// as every other read tells them. The server still checks every request.
    public func access(org orgID: OrganisationID, by principal: Principal) async throws -> OrgAccess? {
        try await read(orgID) { state, _ throws(DomainError) in
            guard state.isStaff(principal), let permissions = state.permissions(of: principal) else {
                if case .user(let userID) = principal, state.isActiveCollaborator(userID) { return nil }
                throw state.notFoundForOutsiders
            }
            return OrgAccess(permissions: permissions, isOrgAdmin: state.isOrgAdmin(principal), writesCases: state.staffWrites(principal))
        }
    }

    /// Changes the org's name or settings (org admins); audited as `organisation.updated`. An
    /// update that changes nothing records nothing.
    public func updateOrganisation(
        _ orgID: OrganisationID,
        _ update: OrgCommand.OrganisationUpdate,
        by principal: Principal,
        context: CommandContext = .detached
    ) async throws
        -> OrganisationSummary
    {
        try await run(.updateOrganisation(update), on: orgID, by: principal, context: context) { state throws(DomainError) in
            OrganisationSummary(state)
        }
    }

    /// A page of every organisation (platform admin only), oldest first (those made in the same
    /// millisecond in id order), optionally only those whose name contains `query` (in any
    /// case). The cursor is a position in that order.
    ///
    /// Asks each org's actor in turn: an operator's listing, not a request-path read.
    public func organisations(
        matching query: String? = nil,
        after cursor: UInt64? = nil,
        limit: Int = 100,
        by principal: Principal
    ) async throws -> Page<
        OrganisationSummary
    > {
        guard principal == .platformAdmin else { throw DomainError.forbidden("listing organisations is for the platform admin") }
        _ = try OrgState.checkedLimit(limit)  // before asking every org
        let needle = query?.lowercased()
        var summaries = [OrganisationSummary]()
        var fence: LogPosition = 0
        for actor in allOrgActors() {
            let (summary, position) = try await actor.read { state, _ throws(DomainError) in
                state.exists ? OrganisationSummary(state) : nil
            }
            fence = max(fence, position)
            guard let summary, needle.map({ summary.name.lowercased().contains($0) }) ?? true else { continue }
            summaries.append(summary)
        }
        try await durable(fence)
        summaries.sort { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
        return try Page(slicing: summaries, after: cursor, limit: limit) { $0 }
    }

    /// Every org's state as it is now: for snapshots, and for tests comparing replay with live.
    public func orgStates() async -> [OrgState] {
        let actors = allOrgActors()
        var states = [OrgState]()
        states.reserveCapacity(actors.count)
        for actor in actors { states.append(await actor.snapshot) }
        return states
    }

    /// The directory's state as it is now.
    public func directoryState() async -> DirectoryState {
        await directory.snapshot
    }
}

/// What anyone in an org may see of the org itself.
/// What one principal may do in one org: the console shows links and forms by it.
public struct OrgAccess: Hashable, Sendable {
    public var permissions: PermissionSet
    public var isOrgAdmin: Bool
    /// Whether they may create tenants and write to cases.
    public var writesCases: Bool

    /// Whether they hold `permission`.
    public func may(_ permission: Permission) -> Bool { permissions.contains(permission) }
}

public struct OrganisationSummary: Hashable, Sendable {
    public var id: OrganisationID
    public var name: String
    public var createdAt: Timestamp
    public var memberCount: Int
    public var tenantCount: Int
    /// What the org changes of the deployment's defaults.
    public var settings: OrgSettings

    /// The summary of `state`.
    init(_ state: OrgState) {
        self.init(
            id: state.id,
            name: state.name,
            createdAt: state.createdAt,
            memberCount: state.activeMemberCount,
            tenantCount: state.tenants.count,
            settings: state.settings
        )
    }

    /// Creates a summary from all its fields.
    public init(id: OrganisationID, name: String, createdAt: Timestamp, memberCount: Int, tenantCount: Int, settings: OrgSettings = OrgSettings()) {
        self.settings = settings
        self.id = id
        self.name = name
        self.createdAt = createdAt
        self.memberCount = memberCount
        self.tenantCount = tenantCount
    }
}
