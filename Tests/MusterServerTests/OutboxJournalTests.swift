import Foundation
import MusterDomain
import MusterLog
import Testing

@testable import MusterServer

@Suite("The outbox journal")
struct OutboxJournalTests {
    private func journalPath() -> String {
        let folder = NSTemporaryDirectory() + "muster-outbox-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return folder + "/outbox.journal"
    }

    private func message(_ id: String, to: String) -> MailMessage {
        MailMessage(
            id: id, kind: "invitation", to: to, subject: "Einladung für Zoë — «Riverside»",
            text: "Open https://app.example.org/invitations/accept?token=abc\nThanks", queuedAt: 1_767_225_600_123)
    }

    @Test("What was queued and not delivered is pending again after a restart, field for field")
    func binaryEntriesSurviveRestart() async throws {
        let path = journalPath()
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        let first = try MailOutbox(path: path)
        try await first.enqueue([message("m1", to: "a@example.org"), message("m2", to: "b@example.org"), message("m3", to: "c@example.org")])
        await first.markDelivered(["m1"])
        await first.markFailed("m3", error: "connection refused", at: Timestamp(millisecondsSinceEpoch: 1_767_225_600_000))

        let reopened = try MailOutbox(path: path)
        let pending = await reopened.pendingItems()
        #expect(pending.map(\.message) == [message("m2", to: "b@example.org"), message("m3", to: "c@example.org")])
        #expect(pending.map(\.attempts) == [0, 1])
        #expect(pending[1].lastError == "connection refused")
        #expect(pending[1].nextAttemptAt == Timestamp(millisecondsSinceEpoch: 1_767_225_601_000))
    }

    @Test("A journal written in JSON by an earlier version is still read")
    func jsonEntriesStillRead() async throws {
        let path = journalPath()
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        let (journal, _) = try Journal.open(path: path)
        let queued = { (id: String) in
            #"{"kind":"queued","id":"\#(id)","message":{"id":"\#(id)","kind":"sign_in_link","to":"\#(id)@example.org","subject":"Sign in","text":"link","queuedAt":5}}"#
        }
        try await journal.append(contentsOf: [queued("old1"), queued("old2"), #"{"kind":"delivered","id":"old1"}"#].map { Array($0.utf8) })
        journal.close()

        let outbox = try MailOutbox(path: path)
        let pending = await outbox.pendingItems()
        #expect(
            pending.map(\.message) == [MailMessage(id: "old2", kind: "sign_in_link", to: "old2@example.org", subject: "Sign in", text: "link", queuedAt: 5)])
    }

    @Test("An entry that is neither form, or is cut short, is skipped and the rest is read")
    func unreadableEntriesSkipped() async throws {
        let path = journalPath()
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        let good = MailOutbox.Entry(kind: .queued, id: "m9", message: message("m9", to: "z@example.org")).encoded()
        let (journal, _) = try Journal.open(path: path)
        try await journal.append(contentsOf: [[7, 1, 2], Array(good.dropLast(3)), good + [0], good])
        journal.close()

        let pending = await (try MailOutbox(path: path)).pendingItems()
        #expect(pending.map(\.message.id) == ["m9"])
    }
}
