/// A point in time: milliseconds since 1970-01-01T00:00:00Z.
///
/// The domain never reads a clock: the current time arrives with every command, so `decide` is
/// a pure function of state, command and time, and replay gives the same state as live.
public struct Timestamp: Hashable, Comparable, Sendable {
    /// Milliseconds since the Unix epoch, UTC.
    public var millisecondsSinceEpoch: Int64

    /// Creates a timestamp from milliseconds since the Unix epoch.
    @inlinable
    public init(millisecondsSinceEpoch: Int64) {
        self.millisecondsSinceEpoch = millisecondsSinceEpoch
    }

    /// The later time `duration` after this one.
    @inlinable
    public func adding(_ duration: Span) -> Timestamp {
        Timestamp(millisecondsSinceEpoch: millisecondsSinceEpoch + duration.milliseconds)
    }

    /// The span from `earlier` to this time (negative when `earlier` is later).
    @inlinable
    public func span(since earlier: Timestamp) -> Span {
        Span(milliseconds: millisecondsSinceEpoch - earlier.millisecondsSinceEpoch)
    }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool {
        lhs.millisecondsSinceEpoch < rhs.millisecondsSinceEpoch
    }
}

/// A length of time in milliseconds.
public struct Span: Hashable, Comparable, Sendable {
    /// The length in milliseconds.
    public var milliseconds: Int64

    /// Creates a span of the given milliseconds.
    @inlinable
    public init(milliseconds: Int64) {
        self.milliseconds = milliseconds
    }

    /// A span of whole seconds.
    @inlinable
    public static func seconds(_ seconds: Int64) -> Span { Span(milliseconds: seconds * 1000) }
    /// A span of whole minutes.
    @inlinable
    public static func minutes(_ minutes: Int64) -> Span { .seconds(minutes * 60) }
    /// A span of whole hours.
    @inlinable
    public static func hours(_ hours: Int64) -> Span { .minutes(hours * 60) }
    /// A span of whole days.
    @inlinable
    public static func days(_ days: Int64) -> Span { .hours(days * 24) }

    /// The span in whole seconds, rounded up, as a `Retry-After` header wants it.
    public var wholeSecondsRoundedUp: Int64 {
        milliseconds <= 0 ? 0 : (milliseconds + 999) / 1000
    }

    public static func < (lhs: Span, rhs: Span) -> Bool { lhs.milliseconds < rhs.milliseconds }
}
