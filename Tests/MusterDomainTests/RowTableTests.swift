import MusterDomain
import Testing

@Suite struct RowTableTests {
    private struct Row: Hashable, Sendable, IdentifiedRow {
        var id: TenantID
        var name: String
    }

    @Test func rowsKeepTheOrderTheyWereAddedInAndAReplacementKeepsItsPlace() {
        var table = RowTable<TenantID, Row>()
        let ids = (0..<300).map { _ in TenantID.random() }
        for (index, id) in ids.enumerated() { table[id] = Row(id: id, name: "row \(index)") }
        table[ids[7]]?.name = "renamed"
        #expect(table.count == 300)
        #expect(table.rows.map(\.id) == ids)
        #expect(table[ids[7]]?.name == "renamed" && table.position(of: ids[7]) == 7)
        #expect(table[TenantID.random()] == nil && table.position(of: TenantID.random()) == nil)
    }

    @Test func tablesWithTheSameRowsUnderTheSameIdsAreEqualInAnyOrderAndUnequalOtherwise() {
        let rows = (0..<20).map { Row(id: .random(), name: "row \($0)") }
        let forwards = RowTable(rows)
        let backwards = RowTable(rows.reversed())
        #expect(forwards == backwards && forwards.hashValue == backwards.hashValue)
        var changed = forwards
        changed[rows[3].id]?.name = "other"
        #expect(changed != forwards)
        #expect(RowTable(Array(rows.dropLast())) != forwards)
    }

    @Test func appendingARowUnderAnIdTheTableHoldsIsRefusedAndKeepsTheFirstRow() {
        var table = RowTable<TenantID, Row>()
        table.reserveCapacity(2)
        let id = TenantID.random()
        let first = table.appendNew(Row(id: id, name: "first"))
        let repeated = table.appendNew(Row(id: id, name: "second"))
        let other = TenantID.random()
        let third = table.appendNew(Row(id: other, name: "other"))
        #expect(first && !repeated && third)
        #expect(table.count == 2 && table[id]?.name == "first" && table.position(of: id) == 0 && table.position(of: other) == 1)
    }

    @Test func everyRowIsFoundAtItsPositionAsTheTableGrowsWhateverItsIdsLookLike() {
        // Random ids, and ids that differ in their high half only (one bucket for a weak hash).
        let random = (0..<5_000).map { _ in TenantID.random() }
        let alike = (0..<5_000).map { TenantID(high: UInt64($0), low: 0x8000_0000_0000_0000) }
        for ids in [random, alike] {
            var grown = RowTable<TenantID, Row>()
            for (index, id) in ids.enumerated() { grown[id] = Row(id: id, name: "row \(index)") }
            var reserved = RowTable<TenantID, Row>()
            reserved.reserveCapacity(ids.count)
            for (index, id) in ids.enumerated() { _ = reserved.appendNew(Row(id: id, name: "row \(index)")) }
            for table in [grown, reserved] {
                #expect(table.count == ids.count)
                #expect(ids.indices.allSatisfy { table.position(of: ids[$0]) == $0 && table[ids[$0]]?.name == "row \($0)" })
                #expect((0..<100).allSatisfy { _ in table[TenantID.random()] == nil })
            }
            #expect(grown == reserved)
        }
        #expect(RowTable<TenantID, Row>().position(of: .random()) == nil)
    }
}
