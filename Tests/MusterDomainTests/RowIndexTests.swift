import Testing

@testable import MusterDomain

@Suite("An index of row numbers keyed by what the rows hold")
struct RowIndexTests {
    /// Rows as the index sees them: each row's key, by row number.
    private struct Rows {
        var keys: [String] = []
        var hashOf: (Int) -> Int { { [keys] in keys[$0].hashValue } }

        func numbers(in index: RowIndex, key: String) -> [UInt32] {
            index.numbers(hash: key.hashValue) { keys[$0] == key }
        }
    }

    @Test("Rows added, grown past many rebuilds and partly removed are found by key exactly as a dictionary of sets finds them, oldest first")
    func matchesADictionaryModel() {
        var generator = SystemRandomNumberGenerator()
        var rows = Rows()
        var index = RowIndex()
        var model = [String: Set<UInt32>]()
        let keys = (0..<300).map { "person\($0)@example.org" }
        for step in 0..<5_000 {
            let number = rows.keys.count
            let key = keys.randomElement(using: &generator)!
            rows.keys.append(key)
            index.insert(number, hash: key.hashValue, hashOf: rows.hashOf)
            model[key, default: []].insert(UInt32(number))
            // Every third step removes a row that is there, and now and then one that is not.
            if step % 3 == 0, let (victimKey, victims) = model.first(where: { !$0.value.isEmpty }), let victim = victims.randomElement() {
                let removed = index.remove(Int(victim), hash: victimKey.hashValue)
                let removedAgain = index.remove(Int(victim), hash: victimKey.hashValue)
                #expect(removed && !removedAgain, "a row that is there is removed, once")
                model[victimKey]!.remove(victim)
            }
        }
        for key in keys {
            #expect(rows.numbers(in: index, key: key) == (model[key] ?? []).sorted(), "the rows of \(key)")
        }
        #expect(index.count == model.values.reduce(0) { $0 + $1.count })
        #expect(Set(index.allNumbers.map(UInt32.init)) == model.values.reduce(into: Set()) { $0.formUnion($1) })
        #expect(rows.numbers(in: index, key: "nobody@example.org").isEmpty)
    }

    @Test(
        "Keys whose hashes all collide (a hostile set of emails) are still told apart by the rows, and a removal in the middle of their run breaks no lookup"
    )
    func collidingKeysStayApart() {
        let keys = (0..<64).map { "collide\($0)@example.org" }
        var index = RowIndex()
        for number in keys.indices { index.insert(number, hash: 7) { _ in 7 } }
        index.remove(20, hash: 7)
        for (number, key) in keys.enumerated() {
            let found = index.first(hash: 7) { keys[$0] == key }
            #expect(found == (number == 20 ? nil : number), "the row of \(key)")
        }
        index.insert(20, hash: 7) { _ in 7 }
        #expect(index.first(hash: 7) { keys[$0] == keys[20] } == 20, "a removed slot is used again")
        #expect(index.count == keys.count)
    }

    @Test("Two indexes of the same rows are equal whatever order they were filed in, and differ when a row differs")
    func equalityIgnoresSlotOrder() {
        let keys = (0..<100).map { "k\($0)" }
        var forwards = RowIndex()
        for number in keys.indices { forwards.insert(number, hash: keys[number].hashValue) { keys[$0].hashValue } }
        var backwards = RowIndex()
        backwards.reserveCapacity(keys.count)
        for number in keys.indices.reversed() { backwards.insert(number, hash: keys[number].hashValue) { keys[$0].hashValue } }
        #expect(forwards == backwards)
        #expect(forwards.hashValue == backwards.hashValue)
        backwards.remove(5, hash: keys[5].hashValue)
        #expect(forwards != backwards)
    }

    @Test("Rows filed out of order and far apart (the pending few of a long history) survive every rebuild")
    func sparseNumbersSurviveRebuilds() {
        let numbers = (0..<200).map { ($0 * 7_919) % 1_000_003 }.shuffled()
        let key = { (number: Int) in "row\(number % 13)" }
        var index = RowIndex()
        for number in numbers { index.insert(number, hash: key(number).hashValue) { key($0).hashValue } }
        for residue in 0..<13 {
            let expected = numbers.filter { $0 % 13 == residue }.sorted().map(UInt32.init)
            #expect(index.numbers(hash: "row\(residue)".hashValue) { key($0) == "row\(residue)" } == expected)
        }
        #expect(index.count == numbers.count)
    }

    @Test("An empty index finds nothing and removes nothing")
    func emptyIndex() {
        var index = RowIndex()
        #expect(index.first(hash: 1) { _ in true } == nil)
        #expect(index.numbers(hash: 1) { _ in true }.isEmpty)
        #expect(!index.contains { _ in true })
        let removed = index.remove(0, hash: 1)
        #expect(!removed && index.count == 0)
    }
}
