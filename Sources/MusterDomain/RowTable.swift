/// Rows of one kind in the order they were added, found by id through one hash table of
/// 32-bit row numbers.
///
/// A `Dictionary` of rows keeps a row's whole value in every bucket, empty ones included: at
/// its load factor, a table of 100 invitations of ~250 bytes holds 256 buckets of them. Here
/// the rows sit densely in one array and the hash table holds only ids and row numbers, so a
/// row costs its own bytes plus 20 per bucket. Rows are never removed — invitations, tenants
/// and collaborator rows are kept for the audit trail — so a row's number never changes, and
/// the array's order is the creation order that listings and cursors use.
///
/// Every member is `@inlinable`: the log's decoder and the engine use it from other modules,
/// where an unspecialised generic call looks up the dictionary's type metadata at run time on
/// every call (the start's profile showed 7% of its samples there).
public struct RowTable<ID: Hashable & Sendable, Row: Hashable & Sendable>: Sendable {
    @usableFromInline var storedRows: [Row] = []
    @usableFromInline var numbers: [ID: UInt32] = [:]

    /// The rows, oldest first.
    @inlinable public var rows: [Row] { storedRows }

    /// An empty table.
    @inlinable public init() {}

    /// A table of `rows` in their order, each found by `id`; every id must be distinct.
    @inlinable public init(_ rows: [Row], id: (Row) -> ID) {
        self.storedRows = rows
        numbers.reserveCapacity(rows.count)
        for (number, row) in rows.enumerated() {
            let previous = numbers.updateValue(UInt32(number), forKey: id(row))
            precondition(previous == nil, "two rows with one id")
        }
    }

    /// Makes room for `count` rows in all, so that filling a table of known size never
    /// reallocates.
    @inlinable public mutating func reserveCapacity(_ count: Int) {
        storedRows.reserveCapacity(count)
        numbers.reserveCapacity(count)
    }

    /// Appends `row` under `id` unless a row already has that id; whether it was appended.
    ///
    /// What a reader of untrusted rows (a snapshot) uses: a repeated id is refused instead of
    /// trapping, with one hash of each id.
    @inlinable public mutating func appendNew(_ row: Row, id: ID) -> Bool {
        precondition(rows.count < Int(UInt32.max), "a RowTable holds fewer than 2³² rows")
        if let existing = numbers.updateValue(UInt32(rows.count), forKey: id) {
            numbers[id] = existing
            return false
        }
        storedRows.append(row)
        return true
    }

    /// How many rows there are.
    @inlinable public var count: Int { rows.count }

    /// Whether there are none.
    @inlinable public var isEmpty: Bool { rows.isEmpty }

    /// The position of `id`'s row in creation order, if there is one.
    @inlinable public func position(of id: ID) -> Int? {
        numbers[id].map(Int.init)
    }

    /// The row named `id`. Setting a row replaces the one with that id or appends a new one;
    /// rows are never removed, and setting `nil` is a programming error.
    @inlinable public subscript(id: ID) -> Row? {
        get {
            guard let number = numbers[id] else { return nil }
            return rows[Int(number)]
        }
        set {
            guard let newValue else { preconditionFailure("rows of a RowTable are never removed") }
            if let number = numbers[id] {
                storedRows[Int(number)] = newValue
            } else {
                precondition(rows.count < Int(UInt32.max), "a RowTable holds fewer than 2³² rows")
                numbers[id] = UInt32(rows.count)
                storedRows.append(newValue)
            }
        }
    }
}

extension RowTable: Hashable {
    /// Two tables are equal when they hold equal rows under the same ids, whatever their order:
    /// a snapshot keeps collaborator rows with their tenant, not in the order they were added.
    @inlinable public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.count == rhs.count && lhs.numbers.allSatisfy { id, number in rhs[id] == lhs.rows[Int(number)] }
    }

    /// Combines the count only, which equal tables share whatever their order.
    @inlinable public func hash(into hasher: inout Hasher) {
        hasher.combine(count)
    }
}
