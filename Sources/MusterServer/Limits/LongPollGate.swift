import HTTPTypes
import MusterDomain
import Synchronization

/// Counts the long polls running, in total and per caller, so that waiting requests cannot
/// pile up without bound: each holds a connection and a task for up to a minute.
final class LongPollGate: Sendable {
    private let total: Int
    private let perCaller: Int
    private let running = Mutex<(total: Int, byCaller: [Principal: Int])>((0, [:]))

    init(total: Int, perCaller: Int) {
        self.total = total
        self.perCaller = perCaller
    }

    /// Runs `body` as one of `caller`'s long polls, or refuses with `429 rate_limited` when
    /// `caller` or the server already has as many as it allows.
    func run<Answer>(for caller: Principal, _ body: () async throws -> Answer) async throws -> Answer {
        let admitted = running.withLock { running in
            let mine = running.byCaller[caller, default: 0]
            guard running.total < total, mine < perCaller else { return false }
            running.total += 1
            running.byCaller[caller] = mine + 1
            return true
        }
        guard admitted else {
            throw Problem(
                .tooManyRequests,
                code: DomainError.Code.rateLimited.rawValue,
                "too many long polls are waiting (at most \(perCaller) per caller and \(total) in all); retry shortly, or poll without `wait`",
                retryAfterSeconds: 1
            )
        }
        defer {
            running.withLock { running in
                running.total -= 1
                let mine = running.byCaller[caller, default: 1] - 1
                running.byCaller[caller] = mine > 0 ? mine : nil
            }
        }
        return try await body()
    }
}
