/// Rows of one kind in the order they were added, found by id through a hash table of 32-bit
/// row numbers.
///
/// A `Dictionary` of rows keeps a row's whole value in every bucket, empty ones included: at
/// its load factor, a table of 100 invitations holds 256 buckets of them. Here the rows sit
/// densely in one array, and the hash table is open addressing over row numbers alone — the
/// id is read from the row itself — so a row costs its own bytes plus 4 to 11 bytes of
/// slots (a `Dictionary` of ids to numbers took 20 a bucket, about 50 a row). Rows are never
/// removed — invitations, tenants, collaborator rows and users are kept for the audit trail —
/// so a row's number never changes, and the array's order is the creation order that
/// listings and cursors use.
///
/// Every member is `@inlinable`: the log's decoder and the engine use it from other modules,
/// where an unspecialised generic call looks up type metadata at run time on every call (the
/// start's profile showed 7% of its samples there).
public struct RowTable<ID: Hashable & Sendable, Row: Hashable & Sendable & IdentifiedRow>: Sendable where Row.RowID == ID {
    @usableFromInline var storedRows: [Row] = []
    /// The hash table: a row's number plus one, 0 for an empty slot. Empty, or a power of two
    /// long and at most three quarters full; probed linearly.
    @usableFromInline var slots: [UInt32] = []

    /// The rows, oldest first.
    @inlinable public var rows: [Row] { storedRows }

    /// An empty table.
    @inlinable public init() {}

    /// A table of `rows` in their order; every id must be distinct.
    @inlinable public init(_ rows: [Row]) {
        reserveCapacity(rows.count)
        for row in rows {
            let added = appendNew(row)
            precondition(added, "two rows with one id")
        }
    }

    /// Makes room for `count` rows in all, so that filling a table of known size never
    /// reallocates or rehashes.
    @inlinable public mutating func reserveCapacity(_ count: Int) {
        storedRows.reserveCapacity(count)
        if slots.count * 3 < count * 4 { rehash(toHold: count) }
    }

    /// Appends `row` unless a row already has its id; whether it was appended.
    ///
    /// What a reader of untrusted rows (a snapshot) uses: a repeated id is refused instead of
    /// trapping, with one hash of each id.
    @inlinable public mutating func appendNew(_ row: Row) -> Bool {
        precondition(storedRows.count < Int(UInt32.max) - 1, "a RowTable holds fewer than 2³² rows")
        if slots.count * 3 < (storedRows.count + 1) * 4 { rehash(toHold: storedRows.count + 1) }
        let (slot, existing) = find(row.id)
        guard existing == nil else { return false }
        slots[slot] = UInt32(storedRows.count + 1)
        storedRows.append(row)
        return true
    }

    /// How many rows there are.
    @inlinable public var count: Int { storedRows.count }

    /// Whether there are none.
    @inlinable public var isEmpty: Bool { storedRows.isEmpty }

    /// The position of `id`'s row in creation order, if there is one.
    @inlinable public func position(of id: ID) -> Int? {
        slots.isEmpty ? nil : find(id).number
    }

    /// The row named `id`. Setting a row replaces the one with that id or appends a new one;
    /// the row must carry that id. Rows are never removed, and setting `nil` is a programming
    /// error.
    @inlinable public subscript(id: ID) -> Row? {
        get {
            guard let number = position(of: id) else { return nil }
            return storedRows[number]
        }
        set {
            guard let newValue else { preconditionFailure("rows of a RowTable are never removed") }
            precondition(newValue.id == id, "a row is filed under its own id")
            if let number = position(of: id) {
                storedRows[number] = newValue
            } else {
                _ = appendNew(newValue)
            }
        }
    }

    /// What `body` reads from the row named `id`, if there is one, through a pointer to the
    /// row where it lies: reading a field or two copies those fields, not the whole row (and
    /// not every reference in it, each a retain and a release; a start reads a million rows).
    /// The pointer is valid only during `body`, which must not keep it.
    @inlinable public func withRow<Value>(_ id: ID, _ body: (UnsafePointer<Row>) throws -> Value) rethrows -> Value? {
        guard let number = position(of: id) else { return nil }
        return try storedRows.withUnsafeBufferPointer { try body($0.baseAddress! + number) }
    }

    /// Changes the row at `position` (in creation order) in place; the row keeps its id.
    @inlinable public mutating func modifyRow(at position: Int, _ body: (inout Row) -> Void) {
        let id = storedRows[position].id
        body(&storedRows[position])
        precondition(storedRows[position].id == id, "a row keeps its id")
    }

    /// The slot of `id`'s row and its number, or the empty slot where it would go and `nil`.
    /// The table must have slots.
    @inlinable func find(_ id: ID) -> (slot: Int, number: Int?) {
        let mask = slots.count - 1
        var slot = id._rawHashValue(seed: rowTableSeed) & mask
        while true {
            let entry = slots[slot]
            if entry == 0 { return (slot, nil) }
            let number = Int(entry - 1)
            if storedRows[number].id == id { return (slot, number) }
            slot = (slot + 1) & mask
        }
    }

    /// Rebuilds the slots, enough of them for `count` rows.
    @usableFromInline mutating func rehash(toHold count: Int) {
        var capacity = 8
        while capacity * 3 < count * 4 { capacity *= 2 }
        slots = Array(repeating: 0, count: capacity)
        let mask = capacity - 1
        // By index: only each row's id is read, where `enumerated()` copied every row whole.
        for number in storedRows.indices {
            var slot = storedRows[number].id._rawHashValue(seed: rowTableSeed) & mask
            while slots[slot] != 0 { slot = (slot + 1) & mask }
            slots[slot] = UInt32(number + 1)
        }
    }
}

/// The seed of every ``RowTable``'s hash, drawn once per process: where a row lands in the
/// table is not predictable from outside.
@usableFromInline let rowTableSeed = Int.random(in: Int.min...Int.max)

/// A row that carries its own id, by which a ``RowTable`` finds it.
public protocol IdentifiedRow {
    associatedtype RowID: Hashable
    /// The row's id: never changes once the row is filed.
    var id: RowID { get }
}

extension Invitation: IdentifiedRow {}
extension Tenant: IdentifiedRow {}
extension Collaborator: IdentifiedRow {}
extension User: IdentifiedRow {}

extension RowTable: Hashable {
    /// Two tables are equal when they hold equal rows under the same ids, whatever their order:
    /// a snapshot keeps collaborator rows with their tenant, not in the order they were added.
    @inlinable public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.count == rhs.count && lhs.storedRows.allSatisfy { rhs[$0.id] == $0 }
    }

    /// Combines the count only, which equal tables share whatever their order.
    @inlinable public func hash(into hasher: inout Hasher) {
        hasher.combine(count)
    }
}
