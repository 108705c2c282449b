import Testing

@testable import MusterDomain

@Suite("An index of many rows to a key, chained through the rows")
struct RowChainsTests {
    @Test(
        "Rows of many keys, one key holding thousands of them, are found by key exactly as a dictionary of lists finds them, oldest first, through every rebuild"
    )
    func matchesADictionaryModel() {
        var keys = [String]()
        var chains = RowChains()
        var model = [String: [UInt32]]()
        for number in 0..<20_000 {
            // Every other row goes to one key: the shape of a tenant with a huge team.
            let key = number % 2 == 0 ? "big" : "key\(number % 997)"
            keys.append(key)
            chains.insert(number, hash: key.hashValue, sameKey: { [keys] in keys[$0] == key }, hashOf: { [keys] in keys[$0].hashValue })
            model[key, default: []].append(UInt32(number))
        }
        for key in model.keys {
            #expect(chains.numbers(hash: key.hashValue) { keys[$0] == key } == model[key], "the rows of \(key)")
        }
        #expect(chains.numbers(hash: "nobody".hashValue) { keys[$0] == "nobody" }.isEmpty)
        #expect(chains.count == keys.count)
    }

    @Test("Rows filed out of order still come back oldest first")
    func outOfOrderRowsComeBackInOrder() {
        let numbers = [40, 7, 93, 0, 58, 12, 99, 3]
        var chains = RowChains()
        for number in numbers { chains.insert(number, hash: 1, sameKey: { _ in true }, hashOf: { _ in 1 }) }
        #expect(chains.numbers(hash: 1) { _ in true } == numbers.sorted().map(UInt32.init))
    }

    @Test("Keys whose hashes all collide keep their own chains")
    func collidingKeysKeepTheirChains() {
        let keys = (0..<300).map { "k\($0 % 30)" }
        var chains = RowChains()
        for number in keys.indices {
            let key = keys[number]
            chains.insert(number, hash: 5, sameKey: { keys[$0] == key }, hashOf: { _ in 5 })
        }
        for residue in 0..<30 {
            let expected = keys.indices.filter { $0 % 30 == residue }.map(UInt32.init)
            #expect(chains.numbers(hash: 5) { keys[$0] == "k\(residue)" } == expected)
        }
    }

    @Test("Filing a row as the one of its key takes out the row filed under that key before it")
    func filingReplacesTheEarlierRowOfTheKey() {
        let keys = ["a", "b", "a", "a"]
        var index = RowIndex()
        for number in keys.indices {
            let key = keys[number]
            index.file(number, hash: key.hashValue, replacing: { keys[$0] == key }, hashOf: { keys[$0].hashValue })
        }
        #expect(index.first(hash: "a".hashValue) { keys[$0] == "a" } == 3)
        #expect(index.first(hash: "b".hashValue) { keys[$0] == "b" } == 1)
        #expect(index.count == 2)
    }
}
