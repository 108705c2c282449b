/// A `Timestamp?` in 8 bytes instead of 16, for the optional times of rows there are millions
/// of (a collaborator row's activation and end, a caseload entry's); wraps a property that
/// reads and writes as a plain `Timestamp?`.
///
/// `Timestamp?` is 9 bytes, padded to 16 beside the fields around it. Here `Int64.min` stands
/// for none: no time the server records is 292 million years back, and a time read from a
/// damaged record that happens to be exactly that is kept one millisecond later rather than
/// lost, so a stored time is never mistaken for none.
@propertyWrapper
public struct PackedTimestamp: Hashable, Sendable {
    @usableFromInline var milliseconds: Int64

    @usableFromInline static var none: Int64 { .min }

    /// Packs `timestamp` (none for `nil`).
    @inlinable public init(wrappedValue timestamp: Timestamp?) {
        milliseconds = timestamp.map { max($0.millisecondsSinceEpoch, Self.none + 1) } ?? Self.none
    }

    /// The time, or `nil` for none.
    @inlinable public var wrappedValue: Timestamp? {
        get { milliseconds == Self.none ? nil : Timestamp(millisecondsSinceEpoch: milliseconds) }
        set { self = PackedTimestamp(wrappedValue: newValue) }
    }
}
