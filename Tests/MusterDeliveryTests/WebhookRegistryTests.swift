import MusterDomain
import Synchronization
import Testing

@testable import MusterDelivery

/// A shared store in memory, as a cluster's database would keep the entries; `refusing` plays
/// a node that no longer leads.
private final class MemoryProgressStore: WebhookProgressStore {
    private let kept = Mutex<(entries: [[UInt8]], refusing: Bool)>(([], false))

    var count: Int { kept.withLock { $0.entries.count } }

    func refuse() { kept.withLock { $0.refusing = true } }

    func entries() async throws -> [[UInt8]] { kept.withLock { $0.entries } }

    func append(_ entries: [[UInt8]]) async throws {
        try kept.withLock { kept in
            guard !kept.refusing else { throw Refused() }
            kept.entries += entries
        }
    }

    func replace(with entries: [[UInt8]]) async throws {
        try kept.withLock { kept in
            guard !kept.refusing else { throw Refused() }
            kept.entries = entries
        }
    }

    struct Refused: Error {}
}

@Suite("Webhook progress kept for whichever node leads")
struct WebhookRegistryTests {
    private let orgID = OrganisationID.random()

    private func webhook() -> Webhook {
        Webhook(
            id: .random(),
            url: "https://receiver.example/hook",
            eventTypes: nil,
            description: nil,
            startAfter: 0,
            secretNonce: .random(),
            createdAt: Timestamp(millisecondsSinceEpoch: 0),
            createdBy: .platformAdmin,
            status: .active
        )
    }

    private func delivered(_ sequence: UInt64, at: Int64) -> WebhookDelivery {
        WebhookDelivery(
            eventID: "e\(sequence)",
            sequence: sequence,
            eventType: "member.added",
            outcome: .delivered,
            attempt: 1,
            at: at,
            responseStatus: 204,
            error: nil,
            durationMilliseconds: 3
        )
    }

    @Test func aNewLeaderResumesDeliveryWhereTheLastLeaderStopped() async throws {
        let store = MemoryProgressStore()
        let hook = webhook()
        let old = WebhookRegistry(shared: store)
        var progress = await old.progress(of: hook, orgID: orgID)
        for sequence in 1...3 as ClosedRange<UInt64> {
            progress = try #require(try await old.record(progress, delivered(sequence, at: Int64(sequence)), logPosition: sequence * 10))
        }

        let new = WebhookRegistry(shared: store)
        #expect(await new.progress(of: hook, orgID: orgID).cursor == 0, "nothing is read before the node leads")
        try await new.adoptShared()
        let resumed = await new.progress(of: hook, orgID: orgID)
        #expect(resumed.cursor == 3 && resumed.logPosition == 30 && resumed.deliveredCount == 3)
        #expect(await new.deliveries(hook.id.description).map(\.sequence) == [3, 2, 1])
        #expect(await new.journaledLogPosition(hook.id.description) == 30)
    }

    @Test func aDeliveryTheStoreRefusesIsNotCountedAsDone() async throws {
        let store = MemoryProgressStore()
        let hook = webhook()
        let registry = WebhookRegistry(shared: store)
        let progress = await registry.progress(of: hook, orgID: orgID)
        let first = try #require(try await registry.record(progress, delivered(1, at: 1)))
        // Deposed: the next write is refused, and the registry does not move past it.
        store.refuse()
        await #expect(throws: MemoryProgressStore.Refused.self) { try await registry.record(first, delivered(2, at: 2)) }
        #expect(await registry.progress(of: hook, orgID: orgID).cursor == 1)
        #expect(store.count == 2, "one progress entry and one delivery entry")
    }

    @Test func aForgottenWebhookIsGoneForTheNextLeaderToo() async throws {
        let store = MemoryProgressStore()
        let hook = webhook()
        let old = WebhookRegistry(shared: store)
        let progress = await old.progress(of: hook, orgID: orgID)
        _ = try await old.record(progress, delivered(1, at: 1))
        await old.forget(hook.id.description)

        let new = WebhookRegistry(shared: store)
        try await new.adoptShared()
        #expect(await new.progress(of: hook, orgID: orgID).cursor == 0)
        #expect(await new.deliveries(hook.id.description).isEmpty)
    }
}
