import Testing

@testable import MusterCluster

/// The lease's state machine, driven directly: what each tick and each answer of the database
/// leads to, with no database and no clock.
@Suite struct LeaseMachineTests {
    static let lease: Int64 = 2_000

    /// A machine that has won the lease under `epoch` at time 0.
    static func leader(epoch: Int64 = 7) -> LeaseMachine {
        var machine = LeaseMachine(leaseMilliseconds: lease)
        #expect(machine.tick(now: 0) == .acquire)
        #expect(machine.acquireAnswered(.won(epoch: epoch), sentAt: 0, now: 5) == .promote(epoch: epoch))
        return machine
    }

    @Test func aFollowerTriesForTheLeaseAndWinningItPromotes() {
        let machine = Self.leader(epoch: 3)
        #expect(machine.role == .leader(epoch: 3))
    }

    @Test func oneQuestionAtATime() {
        var machine = LeaseMachine(leaseMilliseconds: Self.lease)
        #expect(machine.tick(now: 0) == .acquire)
        // Unanswered: no second attempt, however late.
        #expect(machine.tick(now: 10_000) == .none)
    }

    /// What a follower does after each answer to its attempt.
    @Test(arguments: [
        (LeaseMachine.AcquireAnswer.heldElsewhere, LeaseMachine.Role.follower),
        (.unreachable, .follower),
        (.won(epoch: 9), .leader(epoch: 9)),
    ])
    func aFollowersAttemptAnswered(answer: LeaseMachine.AcquireAnswer, role: LeaseMachine.Role) {
        var machine = LeaseMachine(leaseMilliseconds: Self.lease)
        _ = machine.tick(now: 0)
        _ = machine.acquireAnswered(answer, sentAt: 0, now: 1)
        #expect(machine.role == role)
        if role == .follower {
            // It tries again, but not before its interval.
            #expect(machine.tick(now: 1) == .none)
            #expect(machine.tick(now: 1 + machine.attemptEvery) == .acquire)
        }
    }

    @Test func aLeaderRenewsFourTimesPerLease() {
        var machine = Self.leader()
        #expect(machine.tick(now: machine.renewEvery - 1) == .none)
        #expect(machine.tick(now: machine.renewEvery) == .renew(epoch: 7))
    }

    @Test func aLeaderTrustsItsLeaseOnlyFromWhenItAskedAndLessThanItsLength() {
        var machine = Self.leader()
        #expect(machine.leaderMayServe(now: 0))
        #expect(machine.leaderMayServe(now: machine.trustedPart - 1))
        // Past the trusted part (before the database's expiry): no longer trusted.
        #expect(!machine.leaderMayServe(now: machine.trustedPart))
        #expect(machine.trustedPart < Self.lease)
        // A renewal sent at 400 extends the trust from 400, not from when it was answered.
        #expect(machine.tick(now: 500) == .renew(epoch: 7))
        #expect(machine.renewAnswered(.renewed, sentAt: 500, now: 1_900) == .none)
        #expect(machine.leaderMayServe(now: 500 + machine.trustedPart - 1))
        #expect(!machine.leaderMayServe(now: 500 + machine.trustedPart))
    }

    @Test func aLeaderPausedPastItsLeaseMayNotServeUntilARenewalSucceeds() {
        var machine = Self.leader()
        // Frozen (SIGSTOP) for ten leases, then woken.
        let woken: Int64 = 10 * Self.lease
        #expect(!machine.leaderMayServe(now: woken))
        #expect(machine.tick(now: woken) == .renew(epoch: 7))
        // Another node took the lease meanwhile: deposed, and never trusted again.
        #expect(machine.renewAnswered(.lost, sentAt: woken, now: woken + 3) == .stepDown(reason: "another node took the lease"))
        #expect(machine.role == .deposed(reason: "another node took the lease"))
        #expect(!machine.leaderMayServe(now: woken + 4))
        #expect(machine.tick(now: woken + 10 * Self.lease) == .none)
    }

    @Test func aRenewalTheDatabaseDoesNotAnswerIsTriedAgainSoon() {
        var machine = Self.leader()
        #expect(machine.tick(now: 500) == .renew(epoch: 7))
        #expect(machine.renewAnswered(.unreachable, sentAt: 500, now: 600) == .none)
        #expect(machine.role == .leader(epoch: 7))
        #expect(machine.tick(now: 799) == .none)
        #expect(machine.tick(now: 800) == .renew(epoch: 7))
        // Answered this time: the lease is trusted from when that renewal was sent.
        #expect(machine.renewAnswered(.renewed, sentAt: 800, now: 810) == .none)
        #expect(!machine.leaderMayServe(now: 800 + machine.trustedPart))
    }

    @Test func aFencedAppendDeposesALeaderAndNothingElse() {
        var leader = Self.leader()
        #expect(leader.fenced() == .stepDown(reason: "an append was fenced by a newer epoch"))
        var follower = LeaseMachine(leaseMilliseconds: Self.lease)
        #expect(follower.fenced() == .none)
        #expect(follower.role == .follower)
    }

    @Test func lateAnswersForAnotherRoleChangeNothing() {
        var machine = Self.leader()
        // An acquire answer arriving after the node leads is ignored.
        #expect(machine.acquireAnswered(.won(epoch: 99), sentAt: 0, now: 10) == .none)
        #expect(machine.role == .leader(epoch: 7))
        var follower = LeaseMachine(leaseMilliseconds: Self.lease)
        #expect(follower.renewAnswered(.lost, sentAt: 0, now: 1) == .none)
        #expect(follower.role == .follower)
    }
}

extension LeaseMachineTests {
    @Test func aLeaderCutOffFromTheDatabaseStopsTrustingItsLeaseWhenItRunsOut() {
        var machine = Self.leader()
        #expect(machine.tick(now: 500) == .renew(epoch: 7))
        #expect(machine.renewAnswered(.unreachable, sentAt: 500, now: 600) == .none)
        // Cut off: another node may lead by now, and this one cannot tell.
        #expect(machine.leaderMayServe(now: machine.trustedPart - 1))
        #expect(!machine.leaderMayServe(now: machine.trustedPart))
        // The database answers again and the lease is still its own: trusted again.
        #expect(machine.tick(now: 10 * Self.lease) == .renew(epoch: 7))
        #expect(machine.renewAnswered(.renewed, sentAt: 10 * Self.lease, now: 10 * Self.lease + 1) == .none)
        #expect(machine.leaderMayServe(now: 10 * Self.lease + 2))
    }
}
