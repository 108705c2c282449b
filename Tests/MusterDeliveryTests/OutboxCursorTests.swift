import Foundation
import MusterDomain
import Testing

@testable import MusterDelivery

@Suite("The outbox's cursor over the log")
struct OutboxCursorTests {
    private func message(_ id: String, position: UInt64) -> MailMessage {
        MailMessage(id: id, kind: "invitation", to: "a@example.org", subject: "Hello", text: "Hi", queuedAt: 0, position: position)
    }

    @Test("The cursor passes a record only once all its emails are delivered or given up, and a reopened outbox resumes there")
    func theCursorWaitsForEveryEmailOfARecord() async throws {
        let folder = NSTemporaryDirectory() + "muster-cursor-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/outbox.cursor"

        let outbox = try MailOutbox(cursorPath: path)
        #expect(await outbox.cursor == 0)
        await outbox.enqueue([message("3-0", position: 3), message("3-1", position: 3), message("5-0", position: 5)], through: 6)
        #expect(await outbox.advanceCursor() == 2, "record 3 still has emails to send")
        await outbox.markDelivered(["3-0"])
        #expect(await outbox.advanceCursor() == 2)
        await outbox.markDelivered(["3-1"])
        #expect(await outbox.advanceCursor() == 4)
        #expect(await outbox.markFailed("5-0", error: "550 no such user", at: Timestamp(millisecondsSinceEpoch: 0), permanent: true))
        #expect(await outbox.advanceCursor() == 6, "a record whose email was given up is passed too")
        await outbox.enqueue([], through: 10)
        #expect(await outbox.advanceCursor() == 10, "records without emails are passed at once")

        let reopened = try MailOutbox(cursorPath: path)
        #expect(await reopened.cursor == 10)
        #expect(await reopened.readThrough == 10)
    }

    @Test("A record read twice queues its emails once")
    func anEmailIsQueuedOnce() async {
        let outbox = MailOutbox()
        await outbox.enqueue([message("7-0", position: 7)], through: 7)
        await outbox.enqueue([message("7-0", position: 7)], through: 7)
        #expect(await outbox.pendingCount == 1)
        await outbox.markDelivered(["7-0"])
        #expect(await outbox.advanceCursor() == 7)
    }
}
