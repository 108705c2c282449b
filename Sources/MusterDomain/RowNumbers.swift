/// The numbers of a few rows of a ``RowTable``, oldest first, the first kept inline.
///
/// An index from a key to its rows (an email to its invitations) mostly holds one row a key,
/// and an array a key would be a heap allocation for each of them. Here a key with one row
/// costs its 4 bytes beside an empty array, which allocates nothing.
struct RowNumbers: Hashable, Sendable {
    private var first: UInt32
    private var rest: [UInt32] = []

    /// The numbers of one row.
    init(_ number: UInt32) {
        first = number
    }

    /// Adds a newer row.
    mutating func append(_ number: UInt32) {
        rest.append(number)
    }
}

extension RowNumbers: RandomAccessCollection {
    var startIndex: Int { 0 }
    var endIndex: Int { 1 + rest.count }

    subscript(position: Int) -> UInt32 {
        position == 0 ? first : rest[position - 1]
    }
}
