import Dispatch
import MusterDomain
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs the slow password hashes on a few threads of their own, off the threads that serve
/// requests, with a bounded queue.
///
/// A hash costs tens of milliseconds of CPU by design. Run on Swift's cooperative pool, a storm
/// of sign-ins would take every thread that answers requests; here at most `threads` hashes run
/// at once (one fewer than the cores, at least one) and every other route keeps answering.
/// Past `maximumQueued` waiting hashes, a request is refused at once with `rate_limited`
/// rather than queued without end.
public final class PasswordHashingPool: Sendable {
    /// The hasher whose work the pool runs.
    public let hasher: PasswordHasher
    /// The most hashes waiting or running before new ones are refused.
    public let maximumQueued: Int
    private let queues: [DispatchQueue]
    private let state = Mutex<(next: Int, queued: Int)>((0, 0))

    /// Creates a pool of `threads` serial queues (each backed by one thread of its own).
    public init(hasher: PasswordHasher, threads: Int = PasswordHashingPool.defaultThreads, maximumQueued: Int = 256) {
        precondition(threads >= 1 && maximumQueued >= 1)
        self.hasher = hasher
        self.maximumQueued = maximumQueued
        self.queues = (0..<threads).map { DispatchQueue(label: "muster.password-hashing.\($0)") }
    }

    /// The hashes waiting or running now.
    public var pending: Int { state.withLock { $0.queued } }

    /// One fewer than the machine's cores, at least one: a core stays free for requests.
    public static var defaultThreads: Int {
        max(1, System.coreCount - 1)
    }

    /// A new hash of `password` (see ``PasswordHasher/hash(_:)``).
    public func hash(_ password: String) async throws(DomainError) -> String {
        try await run { [hasher] in hasher.hash(password) }
    }

    /// Whether `password` matches `stored` (see ``PasswordHasher/verify(_:against:)``).
    public func verify(_ password: String, against stored: String) async throws(DomainError) -> Bool {
        try await run { [hasher] in hasher.verify(password, against: stored) }
    }

    private func run<Result: Sendable>(_ work: @escaping @Sendable () -> Result) async throws(DomainError) -> Result {
        let queue: DispatchQueue? = state.withLock { state in
            guard state.queued < maximumQueued else { return nil }
            state.queued += 1
            state.next = (state.next + 1) % queues.count
            return queues[state.next]
        }
        guard let queue else {
            throw DomainError(.rateLimited, "too many password checks are waiting; try again in a moment", retryAfter: .seconds(1))
        }
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result, Never>) in
            queue.async { continuation.resume(returning: work()) }
        }
        state.withLock { $0.queued -= 1 }
        return result
    }
}

/// The machine's processors, as the pool sizes itself.
enum System {
    static var coreCount: Int {
        max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }
}
