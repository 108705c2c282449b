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
