import MusterDomain

/// Owns the global directory: users by email, sessions and sign-in links.
actor UserDirectory {
    private var state: DirectoryState
    private let sink: any EventSink
    private let clock: any WallClock
    private let policy: Policy
    private let traces: RequestTraces
    private var lastPosition: LogPosition = 0
    /// What requests read without coming here: sessions and emails, as of `lastPosition`.
    nonisolated let view: DirectoryView

    init(state: DirectoryState, sink: any EventSink, clock: any WallClock, policy: Policy, traces: RequestTraces) {
        self.traces = traces
        self.view = DirectoryView(state, position: 0)
        self.state = state
        self.sink = sink
        self.clock = clock
        self.policy = policy
    }

    /// Decides and applies `command`; returns the position of its record, which carries the
    /// request's `mark`, if any.
    @discardableResult
    func execute(_ command: DirectoryCommand, by principal: Principal, mark: RequestMark? = nil) throws -> LogPosition {
        let records = try state.decideRecords(command, by: principal, at: clock.now(), policy: policy)
        if !records.isEmpty {
            traces.noteCurrent(nil, sequences: records.lazy.map(\.sequence))
            lastPosition = try sink.append(.directory(records), mark: mark, mail: state.mailFacts(for: records))
            for record in records { state.apply(record) }
            // In the same step: the view never shows what the state has not, nor lags behind it.
            view.apply(records, position: lastPosition)
        }
        return lastPosition
    }

    /// The user with `email`, created with `creation` when there is none.
    ///
    /// Returns whether this call created the user. Serialised by the actor, so two racing
    /// callers get one user between them.
    func ensureUser(
        email: EmailAddress,
        creation: (UserID) -> DirectoryCommand,
        by principal: Principal
    ) throws -> (
        user: User, created: Bool, position: LogPosition
    ) {
        if let user = state.user(email: email) {
            return (user, false, lastPosition)
        }
        let userID = UserID.timeOrdered()
        let position = try execute(creation(userID), by: principal)
        return (state.users[userID]!, true, position)
    }

    /// Answers a read from the current state, with the log position it reflects.
    func read<Answer: Sendable>(_ body: (DirectoryState, Timestamp) throws(DomainError) -> Answer) throws(DomainError) -> (Answer, LogPosition) {
        (try body(state, clock.now()), lastPosition)
    }

    /// Applies events another node decided and made durable (a follower of the shared log),
    /// publishing the view in the same step; events the state holds already are skipped.
    func applyReplicated(_ records: [DirectoryEventRecord], at position: LogPosition) throws(ReplicationGap) {
        var applied = [DirectoryEventRecord]()
        for record in records where record.sequence > state.version {
            guard record.sequence == state.version + 1 else {
                throw ReplicationGap("directory event \(record.sequence) at position \(position) follows \(state.version)")
            }
            state.apply(record)
            applied.append(record)
        }
        lastPosition = max(lastPosition, position)
        if !applied.isEmpty { view.apply(applied, position: lastPosition) }
    }

    /// A copy of the whole state.
    var snapshot: DirectoryState { state }
}
