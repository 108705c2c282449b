/// The numbers of the rows of a ``RowTable`` filed under a key read from the rows themselves,
/// many rows to a key (an email's invitations, a tenant's team): one slot a key, and a chain
/// through the rows.
///
/// Each key has one slot in an open-addressing table, holding its newest row's number (plus
/// one; `0` is an empty slot); `earlier[n]` names the row filed under the same key before row
/// `n`. A key with many rows is still one slot, so filing and finding cost the same for a key
/// of one row and of a hundred thousand (with a slot a row, a key's rows would pile up in one
/// run of the table, and each new one walk them all). 4 bytes a row and about 8 a key.
struct RowChains: Sendable {
    /// Empty, or a power of two long and at most three quarters full.
    private var heads: [UInt32] = []
    /// By row number: the key's row before it, plus one (`0`: none).
    private var earlier: [UInt32] = []
    /// How many keys have a slot.
    private var keys = 0
    /// How many rows are filed.
    private(set) var count = 0

    /// No rows.
    init() {}

    /// Makes room for `rows` rows under `keys` keys at most, so that filing them never
    /// rebuilds the slots.
    mutating func reserveCapacity(rows: Int, keys: Int) {
        precondition(count == 0, "room is made before the first row")
        heads = Array(repeating: 0, count: RowSlots.capacity(holding: keys))
        earlier.reserveCapacity(rows)
    }

    /// Files row `number` under `hash`. `sameKey` says whether a filed row has the new row's
    /// key; `hashOf` gives any row's hash, for when the slots must be rebuilt larger. A row is
    /// filed once, and never taken out (a row's key never changes); rows are mostly filed in
    /// ascending order (each new row is the table's last), which costs no walk.
    mutating func insert(_ number: Int, hash: Int, sameKey: (Int) -> Bool, hashOf: (Int) -> Int) {
        precondition(number >= 0 && number < Int(UInt32.max), "a row number fits a slot")
        if earlier.count <= number { earlier.append(contentsOf: repeatElement(0, count: number + 1 - earlier.count)) }
        if (keys + 1) * 4 > heads.count * 3 { rebuild(holding: keys + 1, hashOf: hashOf) }
        let slot = self.slot(hash, sameKey: sameKey)
        count += 1
        guard heads[slot] != 0 else {
            heads[slot] = UInt32(number + 1)
            earlier[number] = 0
            keys += 1
            return
        }
        // The chain runs newest first: the new row goes before the first row older than it.
        var newer: Int?
        var current = Int(heads[slot]) - 1
        while current > number {
            newer = current
            guard earlier[current] != 0 else {
                current = -1
                break
            }
            current = Int(earlier[current]) - 1
        }
        earlier[number] = current >= 0 ? UInt32(current + 1) : 0
        if let newer { earlier[newer] = UInt32(number + 1) } else { heads[slot] = UInt32(number + 1) }
    }

    /// The numbers of the rows filed under the key `sameKey` recognises (a test of a row's
    /// key), oldest first.
    func numbers(hash: Int, sameKey: (Int) -> Bool) -> [UInt32] {
        guard !heads.isEmpty else { return [] }
        let slot = self.slot(hash, sameKey: sameKey)
        var found = [UInt32]()
        var next = heads[slot]
        while next != 0 {
            found.append(next - 1)
            next = earlier[Int(next - 1)]
        }
        return found.reversed()
    }

    /// The slot of the key `sameKey` recognises, or the empty slot where it would go.
    private func slot(_ hash: Int, sameKey: (Int) -> Bool) -> Int {
        let mask = heads.count - 1
        var slot = hash & mask
        while heads[slot] != 0, !sameKey(Int(heads[slot]) - 1) { slot = (slot + 1) & mask }
        return slot
    }

    private mutating func rebuild(holding keyCount: Int, hashOf: (Int) -> Int) {
        heads = RowSlots.filled(with: heads.lazy.filter { $0 != 0 }.map { Int($0) - 1 }, holding: keyCount, hashOf: hashOf)
    }
}

extension RowChains: Hashable {
    /// Two indexes are equal when they hold as many rows: an index is derived from the rows of
    /// the table beside it, whose own equality decides (see ``RowIndex``).
    static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.count == rhs.count
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(count)
    }
}
