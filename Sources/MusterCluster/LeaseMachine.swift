/// Who leads, decided without I/O: the node's view of the lease, driven by the clock's ticks
/// and the database's answers, returning what to do next.
///
/// The driver (``ClusterNode``) asks PostgreSQL what an action says and feeds the answer back.
/// Times are the node's monotonic milliseconds. A leader counts its lease from when it *sent*
/// the renewal that succeeded, shortened by a margin, so it stops trusting the lease before
/// the database lets another node take it: a leader paused past its lease (`SIGSTOP`, a long
/// garbage pause of the VM) finds on waking that it may not serve until a renewal succeeds,
/// and a renewal after a takeover fails, which deposes it.
package struct LeaseMachine: Sendable {
    /// The node's part.
    package enum Role: Equatable, Sendable {
        case follower
        /// Leading under `epoch`, the number every append is checked against.
        case leader(epoch: Int64)
        /// Was leader and lost the lease: everything it holds in memory may include changes it
        /// never wrote, so it starts again as a follower from the log.
        case deposed(reason: String)
    }

    /// What the driver is to do.
    package enum Action: Equatable, Sendable {
        case none
        /// Try to take the lease (it is free, expired, or this node's own from before).
        case acquire
        /// Renew the lease held under `epoch`.
        case renew(epoch: Int64)
        /// The lease is won under `epoch`: catch up the log's tail, then lead.
        case promote(epoch: Int64)
        /// Stop leading and start again as a follower.
        case stepDown(reason: String)
    }

    /// What an attempt to take the lease found.
    package enum AcquireAnswer: Equatable, Sendable {
        case won(epoch: Int64)
        /// Held by another node until its lease expires.
        case heldElsewhere
        /// The database did not answer.
        case unreachable
    }

    /// What a renewal found.
    package enum RenewAnswer: Equatable, Sendable {
        case renewed
        /// Another node has taken the lease (a higher epoch).
        case lost
        case unreachable
    }

    package let leaseMilliseconds: Int64
    package private(set) var role: Role = .follower
    /// Until when (monotonic) the leader may act on its lease.
    package private(set) var validUntil: Int64 = 0
    private var nextAttemptAt: Int64 = 0
    private var inFlight = false

    /// A follower's machine for leases of `leaseMilliseconds`.
    package init(leaseMilliseconds: Int64) {
        precondition(leaseMilliseconds >= 400, "a lease shorter than 400 ms cannot be renewed in time")
        self.leaseMilliseconds = leaseMilliseconds
    }

    /// A leader renews this often: four chances before the lease runs out.
    package var renewEvery: Int64 { leaseMilliseconds / 4 }
    /// A follower tries to take the lease this often.
    package var attemptEvery: Int64 { max(50, leaseMilliseconds / 8) }
    /// How much of the lease a leader trusts: a fifth is left for clocks that run apart.
    package var trustedPart: Int64 { leaseMilliseconds * 4 / 5 }

    /// The clock moved to `now`: what is due.
    package mutating func tick(now: Int64) -> Action {
        guard !inFlight, now >= nextAttemptAt else { return .none }
        switch role {
        case .follower:
            inFlight = true
            return .acquire
        case .leader(let epoch):
            inFlight = true
            return .renew(epoch: epoch)
        case .deposed:
            return .none
        }
    }

    /// The answer to ``Action/acquire`` sent at `sentAt`, arriving at `now`.
    package mutating func acquireAnswered(_ answer: AcquireAnswer, sentAt: Int64, now: Int64) -> Action {
        inFlight = false
        guard case .follower = role else { return .none }
        switch answer {
        case .won(let epoch):
            role = .leader(epoch: epoch)
            validUntil = sentAt + trustedPart
            nextAttemptAt = sentAt + renewEvery
            return .promote(epoch: epoch)
        case .heldElsewhere, .unreachable:
            nextAttemptAt = now + attemptEvery
            return .none
        }
    }

    /// The answer to ``Action/renew(epoch:)`` sent at `sentAt`, arriving at `now`.
    package mutating func renewAnswered(_ answer: RenewAnswer, sentAt: Int64, now: Int64) -> Action {
        inFlight = false
        guard case .leader = role else { return .none }
        switch answer {
        case .renewed:
            validUntil = max(validUntil, sentAt + trustedPart)
            nextAttemptAt = sentAt + renewEvery
            return .none
        case .lost:
            return depose("another node took the lease")
        case .unreachable:
            // Keep trying; appends fail meanwhile, and nobody can take the lease without the
            // database either. Once it answers, the renewal says whether this node still leads.
            nextAttemptAt = now + min(renewEvery, 200)
            return .none
        }
    }

    /// An append was refused because the epoch moved on: another node leads.
    package mutating func fenced() -> Action {
        guard case .leader = role else { return .none }
        return depose("an append was fenced by a newer epoch")
    }

    /// Whether a leader may answer from its state at `now`: its lease is still trusted. Not
    /// once it is past, even when the database did not answer the renewal: a node cut off from
    /// the database cannot tell that from a cluster that has moved on without it.
    package func leaderMayServe(now: Int64) -> Bool {
        if case .leader = role { return now < validUntil }
        return false
    }

    private mutating func depose(_ reason: String) -> Action {
        role = .deposed(reason: reason)
        validUntil = 0
        return .stepDown(reason: reason)
    }
}
