/// Where a webhook registry keeps its entries when not in a journal beside the log: a
/// cluster's database, so that whichever node leads next delivers from where the last stopped.
///
/// Entries are opaque to the store; it keeps them in the order appended.
package protocol WebhookProgressStore: Sendable {
    /// Every entry kept, oldest first.
    func entries() async throws -> [[UInt8]]

    /// Keeps `entries` durably, after every entry kept before; throws if they are not kept (the
    /// node no longer leads, or the store is unreachable).
    func append(_ entries: [[UInt8]]) async throws

    /// Replaces every entry kept with `entries`: the registry's compaction.
    func replace(with entries: [[UInt8]]) async throws
}
