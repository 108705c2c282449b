/// The open-addressing tables of row numbers that ``RowIndex`` and ``RowChains`` keep: a slot
/// holds a row's number plus one (`0` is empty), the table is a power of two long and at most
/// three quarters full, and a row sits at the first empty slot from its hash, probing
/// linearly.
enum RowSlots {
    /// How many slots hold `count` rows: a power of two, at least 8, at most three quarters
    /// full.
    static func capacity(holding count: Int) -> Int {
        var capacity = 8
        while capacity * 3 < count * 4 { capacity *= 2 }
        return capacity
    }

    /// A table with room for `count` rows, holding `numbers` (each filed once), each placed
    /// from the hash `hashOf` gives it, in the order given.
    static func filled(with numbers: some Sequence<Int>, holding count: Int, hashOf: (Int) -> Int) -> [UInt32] {
        var slots = [UInt32](repeating: 0, count: capacity(holding: count))
        let mask = slots.count - 1
        for number in numbers {
            var slot = hashOf(number) & mask
            while slots[slot] != 0 { slot = (slot + 1) & mask }
            slots[slot] = UInt32(number + 1)
        }
        return slots
    }
}
