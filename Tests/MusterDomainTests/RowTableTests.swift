import MusterDomain
import Testing

@Suite struct RowTableTests {
    private struct Row: Hashable, Sendable {
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
        let forwards = RowTable(rows, id: \.id)
        let backwards = RowTable(rows.reversed(), id: \.id)
        #expect(forwards == backwards && forwards.hashValue == backwards.hashValue)
        var changed = forwards
        changed[rows[3].id]?.name = "other"
        #expect(changed != forwards)
        #expect(RowTable(Array(rows.dropLast()), id: \.id) != forwards)
    }

    @Test func appendingARowUnderAnIdTheTableHoldsIsRefusedAndKeepsTheFirstRow() {
        var table = RowTable<TenantID, Row>()
        table.reserveCapacity(2)
        let id = TenantID.random()
        let first = table.appendNew(Row(id: id, name: "first"), id: id)
        let repeated = table.appendNew(Row(id: id, name: "second"), id: id)
        let other = TenantID.random()
        let third = table.appendNew(Row(id: other, name: "other"), id: other)
        #expect(first && !repeated && third)
        #expect(table.count == 2 && table[id]?.name == "first" && table.position(of: id) == 0 && table.position(of: other) == 1)
    }
}
