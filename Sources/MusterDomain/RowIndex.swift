/// The numbers of some rows of a ``RowTable``, found by a key that is read from the rows
/// themselves, so that the index keeps no copy of its keys: 4 bytes a slot. For keys of one row
/// each, that come and go (an email's pending invitation, a person's active assignment to a
/// tenant); keys of many rows are ``RowChains``.
///
/// A `Dictionary` from an email to its pending invitation kept the email and the id in every
/// bucket (32 bytes, about 60 a row at its load factor) — half as much as the rest of a row.
/// Here the slots hold only row numbers (plus one: `0` is an empty slot, `UInt32.max` one whose
/// row was removed), found by open addressing with linear probing. The rows live in the table
/// beside it, so each call is given the key's hash and a test of whether a row has that key.
/// ``file(_:hash:replacing:hashOf:)`` keeps one row a key; ``insert(_:hash:hashOf:)`` alone
/// would let several share one, each probe then walking all of them.
struct RowIndex: Sendable {
    /// Empty, or a power of two long, at most three quarters used (removed slots included).
    private var slots: [UInt32] = []
    /// How many rows the index holds.
    private(set) var count = 0
    /// How many slots are marked removed.
    private var removedSlots = 0

    private static let emptySlot: UInt32 = 0
    private static let removedSlot: UInt32 = .max

    /// An empty index.
    init() {}

    /// Makes room for `count` rows in all, so that filling an index of known size never
    /// rehashes (which would need every row's hash again).
    mutating func reserveCapacity(_ count: Int) {
        precondition(self.count == 0, "room is made before the first row")
        slots = Array(repeating: Self.emptySlot, count: RowSlots.capacity(holding: count))
    }

    /// The numbers of the rows under `hash` that `matches` (given a row number) accepts,
    /// lowest first.
    func numbers(hash: Int, where matches: (Int) -> Bool) -> [UInt32] {
        var found = [UInt32]()
        probe(hash) { number in
            if matches(number) { found.append(UInt32(number)) }
            return true
        }
        return found.count > 1 ? found.sorted() : found
    }

    /// The number of a row under `hash` that `matches` accepts, if there is one (for keys of
    /// one row at most).
    func first(hash: Int, where matches: (Int) -> Bool) -> Int? {
        var found: Int?
        probe(hash) { number in
            if matches(number) { found = number }
            return found == nil
        }
        return found
    }

    /// Whether any row, whatever its key, satisfies `matches`: a scan of every slot.
    func contains(where matches: (Int) -> Bool) -> Bool {
        slots.contains { $0 != Self.emptySlot && $0 != Self.removedSlot && matches(Int($0 - 1)) }
    }

    /// Every row number the index holds, in no order.
    var allNumbers: [Int] {
        slots.compactMap { $0 == Self.emptySlot || $0 == Self.removedSlot ? nil : Int($0 - 1) }
    }

    /// Adds row `number` under `hash`; `hashOf` gives any row's hash, for when the slots must
    /// be rebuilt larger.
    mutating func insert(_ number: Int, hash: Int, hashOf: (Int) -> Int) {
        precondition(number >= 0 && number < Int(Self.removedSlot) - 1, "a row number fits a slot")
        if (count + removedSlots + 1) * 4 > slots.count * 3 { rebuild(holding: count + 1, hashOf: hashOf) }
        let mask = slots.count - 1
        var slot = hash & mask
        while slots[slot] != Self.emptySlot && slots[slot] != Self.removedSlot { slot = (slot + 1) & mask }
        if slots[slot] == Self.removedSlot { removedSlots -= 1 }
        slots[slot] = UInt32(number + 1)
        count += 1
    }

    /// Files row `number` under `hash` as the one row of its key: a row `replacing` accepts
    /// (one with the same key) filed before is taken out first, so the latest wins, as a
    /// dictionary's assignment would.
    mutating func file(_ number: Int, hash: Int, replacing sameKey: (Int) -> Bool, hashOf: (Int) -> Int) {
        if let earlier = first(hash: hash, where: sameKey) { remove(earlier, hash: hash) }
        insert(number, hash: hash, hashOf: hashOf)
    }

    /// Removes row `number`, filed under `hash`; whether it was there.
    @discardableResult
    mutating func remove(_ number: Int, hash: Int) -> Bool {
        guard !slots.isEmpty else { return false }
        let mask = slots.count - 1
        var slot = hash & mask
        while slots[slot] != Self.emptySlot {
            if slots[slot] == UInt32(number + 1) {
                slots[slot] = Self.removedSlot
                count -= 1
                removedSlots += 1
                return true
            }
            slot = (slot + 1) & mask
        }
        return false
    }

    /// Calls `visit` with each row number on `hash`'s probe run until it returns false.
    private func probe(_ hash: Int, _ visit: (Int) -> Bool) {
        guard !slots.isEmpty else { return }
        let mask = slots.count - 1
        var slot = hash & mask
        while slots[slot] != Self.emptySlot {
            if slots[slot] != Self.removedSlot, !visit(Int(slots[slot] - 1)) { return }
            slot = (slot + 1) & mask
        }
    }

    private mutating func rebuild(holding count: Int, hashOf: (Int) -> Int) {
        slots = RowSlots.filled(with: Self.ascending(allNumbers), holding: count, hashOf: hashOf)
        removedSlots = 0
    }

    /// `numbers` in ascending order, so that a rebuild's `hashOf` reads a large org's rows
    /// front to back rather than at random: through a bit for each number up to the highest,
    /// or, for a few numbers far apart (the pending rows of a long history), by sorting.
    private static func ascending(_ numbers: [Int]) -> [Int] {
        let highest = numbers.max() ?? -1
        guard numbers.count * 16 >= highest / 64 else { return numbers.sorted() }
        var present = [UInt64](repeating: 0, count: highest / 64 + 1)
        for number in numbers { present[number / 64] |= 1 << UInt64(number % 64) }
        var ordered = [Int]()
        ordered.reserveCapacity(numbers.count)
        for word in present.indices {
            var bits = present[word]
            while bits != 0 {
                ordered.append(word * 64 + bits.trailingZeroBitCount)
                bits &= bits - 1
            }
        }
        return ordered
    }
}

extension RowIndex: Hashable {
    /// Two indexes are equal when they hold as many rows. An index is derived from the rows of
    /// the table beside it, whose own equality decides whether two states hold the same rows;
    /// the numbers may differ for the same rows, since a snapshot keeps collaborator rows with
    /// their tenant rather than in the order they were added.
    static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.count == rhs.count
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(count)
    }
}
