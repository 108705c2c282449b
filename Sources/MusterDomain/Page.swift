/// One page of a list, and where the next page starts.
public struct Page<Item: Sendable>: Sendable {
    public var items: [Item]
    /// The cursor to pass for the next page; `nil` on the last page.
    public var nextCursor: UInt64?

    /// Creates a page.
    public init(items: [Item], nextCursor: UInt64?) {
        self.items = items
        self.nextCursor = nextCursor
    }
}

extension Page: Equatable where Item: Equatable {}

extension Page {
    /// The page of `items` after position `cursor` (the position after the last item of the
    /// previous page), each made into an item by `transform`; refuses a limit outside 1 to
    /// ``OrgState/maximumPageSize`` and a cursor past the end.
    public init<Rows: RandomAccessCollection>(
        slicing items: Rows,
        after cursor: UInt64?,
        limit: Int,
        _ transform: (Rows.Element) -> Item
    )
        throws(DomainError) where Rows.Index == Int
    {
        let limit = try OrgState.checkedLimit(limit)
        let start = items.startIndex + Int(clamping: cursor ?? 0)
        guard start <= items.endIndex else { throw .validation("the cursor is past the end of the list") }
        let end = min(start + limit, items.endIndex)
        self.init(items: items[start..<end].map(transform), nextCursor: end < items.endIndex ? UInt64(end - items.startIndex) : nil)
    }
}
