import MusterDomain
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The engine's source of the current time, which it passes into every decision.
public protocol WallClock: Sendable {
    /// The current time.
    func now() -> Timestamp
}

/// The system's real-time clock.
public struct SystemWallClock: WallClock {
    /// Creates the clock.
    public init() {}

    public func now() -> Timestamp {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Timestamp(millisecondsSinceEpoch: Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000)
    }
}

/// A clock that moves only when told to: for tests, benchmarks and data generators.
public final class ManualClock: WallClock {
    private let current: Mutex<Timestamp>

    /// Creates a clock standing at `start`.
    public init(start: Timestamp = Timestamp(millisecondsSinceEpoch: 1_767_225_600_000)) {
        self.current = Mutex(start)
    }

    public func now() -> Timestamp {
        current.withLock { $0 }
    }

    /// Moves the clock forward by `span`.
    public func advance(by span: Span) {
        current.withLock { $0 = $0.adding(span) }
    }
}
