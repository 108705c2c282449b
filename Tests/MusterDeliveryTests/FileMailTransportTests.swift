import Foundation
import MusterDomain
import MusterTestSupport
import Testing

@testable import MusterDelivery

/// The file transport: one folder a day, removed whole once past the retention period, never
/// while it holds an email still to deliver.
@Suite("Email files")
struct FileMailTransportTests {
    private static let day: Int64 = 86_400_000
    /// 2026-12-05T10:00:00Z.
    private static let now = Timestamp(millisecondsSinceEpoch: 1_796_464_800_000)

    private func message(_ id: String, daysAgo: Int64) -> MailMessage {
        MailMessage(
            id: id,
            kind: "invitation",
            to: "a@example.org",
            subject: "Hello",
            text: "Hi",
            queuedAt: Self.now.millisecondsSinceEpoch - daysAgo * Self.day,
            position: 1
        )
    }

    /// Sets when `path` last changed.
    private static func touch(_ path: String, at time: Timestamp) throws {
        try FileManager.default.setAttributes(
            [.modificationDate: Date(timeIntervalSince1970: Double(time.millisecondsSinceEpoch) / 1000)],
            ofItemAtPath: path
        )
    }

    private func folder() throws -> String {
        let folder = NSTemporaryDirectory() + "muster-mail-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return folder
    }

    @Test("Each email is written to the folder of the day it was queued, once")
    func emailsGoToTheirDaysFolder() async throws {
        let folder = try folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let transport = FileMailTransport(folder: folder, sender: "Muster <m@example.org>")
        let today = message("1-0", daysAgo: 0)
        let older = message("2-0", daysAgo: 3)
        #expect(await transport.deliver(batch: [today, older]).isEmpty)
        #expect(FileManager.default.fileExists(atPath: folder + "/2026-12-05/1-0.eml"))
        #expect(FileManager.default.fileExists(atPath: folder + "/2026-12-02/2-0.eml"))
        #expect(transport.finalPath(today) == folder + "/2026-12-05/1-0.eml")
        // Delivered again (a restart that lost the cursor): the file is not written twice.
        try "changed".write(toFile: folder + "/2026-12-05/1-0.eml", atomically: true, encoding: .utf8)
        #expect(await transport.deliver(batch: [today]).isEmpty)
        #expect(try String(contentsOfFile: folder + "/2026-12-05/1-0.eml", encoding: .utf8) == "changed")
    }

    @Test("Days past the retention are removed whole; newer days, and days holding an email still to deliver, are kept")
    func retentionRemovesWholeDays() async throws {
        let folder = try folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let transport = FileMailTransport(folder: folder, sender: "Muster <m@example.org>", retention: .days(14))
        let batch = [
            message("1-0", daysAgo: 30), message("1-1", daysAgo: 30), message("2-0", daysAgo: 20), message("3-0", daysAgo: 14),
            message("4-0", daysAgo: 1),
        ]
        #expect(await transport.deliver(batch: batch).isEmpty)
        try FileManager.default.createDirectory(atPath: folder + "/keep-me", withIntermediateDirectories: true)
        // Each day's folder last changed on its day.
        for daysAgo: Int64 in [30, 20, 14, 1] {
            let day = Timestamp(millisecondsSinceEpoch: Self.now.millisecondsSinceEpoch - daysAgo * Self.day)
            try Self.touch(folder + "/" + String(day.iso8601.prefix(10)), at: day)
        }

        // An email queued 20 days ago is still pending: its day and every later one stay.
        let pendingSince = Timestamp(millisecondsSinceEpoch: Self.now.millisecondsSinceEpoch - 20 * Self.day)
        #expect(await transport.removeExpired(now: Self.now, oldestPending: pendingSince) == 2)
        var days = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        #expect(days == ["2026-11-15", "2026-11-21", "2026-12-04", "keep-me"])

        #expect(await transport.removeExpired(now: Self.now, oldestPending: nil) == 1)
        days = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        #expect(days == ["2026-11-21", "2026-12-04", "keep-me"], "the 14th day back is kept; anything not a day is left alone")
    }

    @Test("A day long past whose folder changed within the retention period — an old email delivered late — is kept")
    func aLateDeliveryIsKeptItsFullTime() async throws {
        let folder = try folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let transport = FileMailTransport(folder: folder, sender: "Muster <m@example.org>", retention: .days(14))
        #expect(await transport.deliver(batch: [message("1-0", daysAgo: 40)]).isEmpty)
        try Self.touch(folder + "/2026-10-26", at: Timestamp(millisecondsSinceEpoch: Self.now.millisecondsSinceEpoch - 2 * Self.day))
        #expect(await transport.removeExpired(now: Self.now, oldestPending: nil) == 0)
        #expect(FileManager.default.fileExists(atPath: folder + "/2026-10-26/1-0.eml"))
    }

    @Test("An email reported delivered is on disk whole after a power cut at any operation, and no file stands half-written under its final name")
    func deliveredEmailsSurviveAPowerCut() async throws {
        let sender = "Muster <m@example.org>"
        let batch = (0..<4).map { message("\($0 + 1)-0", daysAgo: Int64($0 % 2)) }
        var point = 0
        while true {
            let root = NSTemporaryDirectory() + "muster-powercut-\(UUID().uuidString)"
            let fileSystem = PowerCutFileSystem(root: root)
            let transport = FileMailTransport(folder: root + "/mail", sender: sender, fileSystem: fileSystem)
            fileSystem.cutAfter(operations: point)
            let failures = await transport.deliver(batch: batch)
            let finished = fileSystem.cutCount == 0
            fileSystem.cut()
            fileSystem.powerOn()
            for message in batch {
                let path = transport.finalPath(message)
                if failures[message.id] == nil {
                    #expect(
                        try fileSystem.read(path) == message.rfc5322Bytes(from: sender),
                        "cut after \(point): \(message.id) was reported delivered"
                    )
                } else if fileSystem.exists(path) {
                    #expect(try fileSystem.read(path) == message.rfc5322Bytes(from: sender), "cut after \(point): \(message.id) is half-written")
                }
            }
            if finished { break }
            point += 1
        }
        #expect(point > 10)
    }

    @Test("Without a retention period nothing is removed")
    func noRetentionKeepsEverything() async throws {
        let folder = try folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let transport = FileMailTransport(folder: folder, sender: "Muster <m@example.org>", retention: nil)
        #expect(await transport.deliver(batch: [message("1-0", daysAgo: 400)]).isEmpty)
        #expect(await transport.removeExpired(now: Self.now, oldestPending: nil) == 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).count == 1)
    }
}
