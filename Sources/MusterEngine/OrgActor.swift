import MusterDomain

/// Owns one organisation's state. Every command on the org is decided and applied here, in one
/// synchronous step with no suspension point, so commands on one org never interleave while
/// different orgs run in parallel.
actor OrgActor {
    let id: OrganisationID
    private var state: OrgState
    private let sink: any EventSink
    private let clock: any WallClock
    private let policy: Policy
    /// Told each new version, for feed readers and webhook workers waiting on this org.
    private let changes: ChangeSignal<OrganisationID>
    /// Where the trace of the request behind each record is noted, for the followers' spans.
    private let traces: RequestTraces
    /// The position of the last record this org appended: what a read has observed.
    private var lastPosition: LogPosition = 0
    /// The minute in which each API key was last seen here, so the engine's ledger hears of a
    /// key at most once a minute.
    private var keyUseMinutes: [APIKeyID: Int64] = [:]

    init(state: OrgState, sink: any EventSink, clock: any WallClock, policy: Policy, changes: ChangeSignal<OrganisationID>, traces: RequestTraces) {
        self.id = state.id
        self.traces = traces
        self.state = state
        self.sink = sink
        self.clock = clock
        self.policy = policy
        self.changes = changes
        changes.publish(state.id, version: state.version)
    }

    /// The outcome of one command.
    struct Outcome<Answer: Sendable>: Sendable {
        var answer: Answer
        var records: [OrgEventRecord]
        /// Where the command's record sits in the log; answer nobody before it is durable.
        var position: LogPosition
        /// The assignments and memberships the command changed, for the person index.
        var personChanges: PersonChanges
    }

    /// Decides and applies `command` at the current time, hands its events to the sink as one
    /// record (carrying the request's `mark`, if any), and computes `answer` from the new state.
    ///
    /// The state is changed only after the sink has accepted the record, so a sink that refuses
    /// (a full disk) leaves the org as it was. A command that emits nothing appends nothing.
    func execute<Answer: Sendable>(
        _ command: OrgCommand,
        by principal: Principal,
        mark: RequestMark?,
        answer: (OrgState) throws(DomainError) -> Answer
    ) throws -> Outcome<Answer> {
        let records = try commit(command, by: principal, mark: mark, at: clock.now())
        return Outcome(answer: try answer(state), records: records, position: lastPosition, personChanges: personChanges(records))
    }

    /// The outcome of a run of commands: one result per command, in order.
    struct BatchOutcome<Answer: Sendable>: Sendable {
        var results: [Result<Answer, any Error>]
        /// Where the last record sits in the log; answer nobody before it is durable.
        var position: LogPosition
        var personChanges: PersonChanges
    }

    /// Executes `commands` one after another in one step, each seeing the state the ones
    /// before it left; a refused command fails alone. Each command is still its own record
    /// (decided, logged, then applied), but the caller makes one actor hop and waits for
    /// durability once, for the last of them.
    func executeEach<Answer: Sendable>(
        _ commands: [OrgCommand],
        by principal: Principal,
        mark: RequestMark?,
        answer: (OrgState, Int) throws(DomainError) -> Answer
    ) -> BatchOutcome<Answer> {
        let now = clock.now()
        var changes = PersonChanges()
        let results = commands.indices.map { index -> Result<Answer, any Error> in
            Result {
                let recordChanges = personChanges(try commit(commands[index], by: principal, mark: mark, at: now))
                changes.assignments += recordChanges.assignments
                changes.memberships += recordChanges.memberships
                return try withState { state throws(DomainError) in try answer(state, index) }
            }
        }
        return BatchOutcome(results: results, position: lastPosition, personChanges: changes)
    }

    /// Decides `command` on the state in place (no copy), logs its events as one record, then
    /// applies them: nothing is applied that the sink refused.
    private func commit(_ command: OrgCommand, by principal: Principal, mark: RequestMark?, at now: Timestamp) throws -> [OrgEventRecord] {
        try withState { state in
            let records = try state.decideRecords(command, by: principal, at: now, policy: policy)
            if !records.isEmpty {
                // Before the append: a follower may meet the durable record before this step ends.
                traces.noteCurrent(id, sequences: records.lazy.map(\.sequence))
                lastPosition = try sink.append(.org(id, records), mark: mark, mail: state.mailFacts(for: records))
                for record in records { state.apply(record) }
                // Waiters read through the engine's read fence, so waking them before the record
                // is durable reveals nothing early.
                changes.publish(id, version: state.version)
            }
            return records
        }
    }

    /// Runs `body` on the stored state where it lies. A method called on the actor's property,
    /// or the property handed to a closure, works on a copy of the whole state first — a retain
    /// and a release of every table it holds, for each command and each answer.
    private func withState<Result, Failure: Error>(_ body: (inout OrgState) throws(Failure) -> Result) throws(Failure) -> Result {
        try withUnsafeMutablePointer(to: &state) { pointer throws(Failure) in try body(&pointer.pointee) }
    }

    /// Answers a read from the current state at the current time, with the log position the
    /// state reflects (the read fence: wait until it is durable before answering).
    func read<Answer: Sendable>(_ body: (OrgState, Timestamp) throws(DomainError) -> Answer) throws(DomainError) -> (Answer, LogPosition) {
        let now = clock.now()
        return (try withState { state throws(DomainError) in try body(state, now) }, lastPosition)
    }

    /// The key with `keyID`, with the log position the state reflects, and the time of this use
    /// when it is the key's first accepted use this minute (for the ledger of last uses).
    func authenticateKey(_ keyID: APIKeyID, digest: SecretDigest) -> (key: APIKey?, position: LogPosition, firstUseThisMinute: Timestamp?) {
        let key = state.apiKeys[keyID]
        guard let key, key.secretDigest == digest, key.isActive else { return (key, lastPosition, nil) }
        let now = clock.now()
        let minute = now.millisecondsSinceEpoch / 60_000
        guard keyUseMinutes[keyID] != minute else { return (key, lastPosition, nil) }
        keyUseMinutes[keyID] = minute
        return (key, lastPosition, now)
    }

    /// A copy of the whole state, for snapshots and tests (O(1): copy on write).
    var snapshot: OrgState { state }

    /// What a command changed of people's caseloads and memberships.
    struct PersonChanges: Sendable {
        var assignments: [CaseloadEntry] = []
        var memberships: [MembershipEntry] = []

        var isEmpty: Bool { assignments.isEmpty && memberships.isEmpty }
    }

    private func personChanges(_ records: [OrgEventRecord]) -> PersonChanges {
        var changes = PersonChanges()
        for record in records {
            switch record.event {
            case .collaboratorInvited(let invited):
                if let entry = caseloadEntry(invited.id) { changes.assignments.append(entry) }
            case .collaboratorActivated(let id, _), .collaboratorEnded(let id):
                if let entry = caseloadEntry(id) { changes.assignments.append(entry) }
            case .memberAdded(let userID, _, _, _), .memberRoleChanged(let userID, _, _), .memberGrantsChanged(let userID, _),
                .memberRemoved(let userID):
                if let entry = membershipEntry(userID) { changes.memberships.append(entry) }
            default:
                continue
            }
        }
        return changes
    }

    private func membershipEntry(_ userID: UserID) -> MembershipEntry? {
        Self.membershipEntry(userID, in: state)
    }

    private func caseloadEntry(_ collaboratorID: CollaboratorID) -> CaseloadEntry? {
        guard let position = state.collaborators.position(of: collaboratorID) else { return nil }
        return state.collaborators.rows.withUnsafeBufferPointer { Self.caseloadEntry($0.baseAddress! + position, in: state) }
    }

    private static func membershipEntry(_ userID: UserID, in state: OrgState) -> MembershipEntry? {
        guard let member = state.members[userID] else { return nil }
        return MembershipEntry(
            userID: userID,
            orgID: state.id,
            orgName: state.name,
            role: member.role,
            permissions: member.permissions,
            isActive: member.isActive,
            orgVersion: state.version
        )
    }

    /// The entry of the row `row` points to, read where it lies: its few fields are copied,
    /// not the whole row with its references (the row's address is shared with the directory
    /// after a start, and every retain of it from two threads at once contends).
    private static func caseloadEntry(_ row: UnsafePointer<Collaborator>, in state: OrgState) -> CaseloadEntry? {
        guard let userID = row.pointee.userID, let tenantName = state.tenants.withRow(row.pointee.tenantID, { $0.pointee.name }) else {
            return nil
        }
        return CaseloadEntry(
            collaboratorID: row.pointee.id,
            userID: userID,
            orgID: state.id,
            orgName: state.name,
            tenantID: row.pointee.tenantID,
            tenantName: tenantName,
            since: row.pointee.invitedAt,
            activatedAt: row.pointee.activatedAt,
            endedAt: row.pointee.endedAt,
            mode: row.pointee.mode
        )
    }

    /// Adds every account collaborator row and membership of `state` to `rows`, for rebuilding
    /// the person index after recovery (read from the recovered state, before any actor runs).
    static func collectPersonRows(of state: OrgState, into rows: inout PersonIndex.RecoveredRows) {
        state.collaborators.rows.withUnsafeBufferPointer { collaborators in
            for index in collaborators.indices {
                if let entry = caseloadEntry(collaborators.baseAddress! + index, in: state) {
                    rows.assignments.append(FiledAssignment(entry), of: entry.userID)
                }
            }
        }
        for userID in state.members.keys {
            if let entry = membershipEntry(userID, in: state) { rows.memberships.append(entry, of: userID) }
        }
    }
}

extension OrgActor {
    /// Applies events another node decided and made durable (a follower of the shared log), as
    /// replay does: events the state holds already are skipped, a gap is refused. Returns what
    /// they changed of people's caseloads and memberships.
    func applyReplicated(_ records: [OrgEventRecord], at position: LogPosition) throws(ReplicationGap) -> PersonChanges {
        for record in records where record.sequence > state.version {
            guard record.sequence == state.version + 1 else {
                throw ReplicationGap("org \(id) event \(record.sequence) at position \(position) follows \(state.version)")
            }
            state.apply(record)
        }
        lastPosition = max(lastPosition, position)
        changes.publish(id, version: state.version)
        return personChanges(records)
    }
}
