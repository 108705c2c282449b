import MusterDomain
import Testing

@testable import MusterEngine

@Suite("The person index's rows, split over shards")
struct PersonRowsTests {
    private struct Row: Equatable, Sendable {
        var userID: UserID
        var number: Int
    }

    @Test("Rows filed on every shard at once come back per person exactly as filed one by one, and later changes land on the same person")
    func shardedFilingMatchesOneByOne() {
        let people = (0..<50).map { _ in UserID.timeOrdered() }
        let groups = (0..<20).map { group in
            (0..<100).map { index in Row(userID: people[(group * 7 + index) % people.count], number: group * 100 + index) }
        }
        let batches = groups.map { group in
            var batch = PersonRows<Row>.Batch()
            for row in group { batch.append(row, of: row.userID) }
            return batch
        }
        var rows = PersonRows(filing: batches)
        var expected = [UserID: [Row]]()
        for group in groups { for row in group { expected[row.userID, default: []].append(row) } }
        for person in people {
            #expect(rows[person] == expected[person], "the rows of \(person), in the order filed")
        }
        let stranger = UserID.timeOrdered()
        #expect(rows[stranger] == nil)
        rows.modify(stranger) { $0.append(Row(userID: stranger, number: -1)) }
        rows.modify(people[0]) { $0.removeAll() }
        #expect(rows[stranger] == [Row(userID: stranger, number: -1)])
        #expect(rows[people[0]] == [])
        #expect(rows[people[1]] == expected[people[1]], "a change to one person leaves the others")
    }

    @Test("An assignment is filed without the id of the person it is filed under, and reads back as the entry it was")
    func anAssignmentIsFiledWithoutItsPerson() {
        let entry = CaseloadEntry(
            collaboratorID: .random(),
            userID: .random(),
            orgID: .random(),
            orgName: "Riverside Housing Association",
            tenantID: .random(),
            tenantName: "Alex Tenant",
            since: Timestamp(millisecondsSinceEpoch: 1_767_225_600_000),
            activatedAt: Timestamp(millisecondsSinceEpoch: 1_767_225_700_000),
            endedAt: nil,
            mode: .contextOnly
        )
        let filed = FiledAssignment(entry)
        #expect(filed.entry(of: entry.userID) == entry)
        #expect(filed.isVisible == entry.isVisible && filed.isActive == entry.isActive && filed.stage == entry.stage)
        #expect(MemoryLayout<FiledAssignment>.stride < MemoryLayout<CaseloadEntry>.stride)
    }
}
