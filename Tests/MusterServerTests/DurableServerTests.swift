import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import MusterDomain
import MusterEngine
import MusterSecurity
import MusterTestSupport
import Synchronization
import Testing

@testable import MusterDelivery
@testable import MusterJSON
@testable import MusterServer

private func temporaryFolder() -> String {
    let path = NSTemporaryDirectory() + "muster-server-\(UUID().uuidString)"
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

@Suite("The server on a data folder")
struct DurableServerTests {
    @Test("An API key's last use is listed, to the minute, and is still there after a restart, in a file only the server's user can read")
    func keyUsesSurviveARestart() async throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let clock = ManualClock()
        let orgID = Mutex<String>("")
        let usedAt = Mutex<String>("")
        try await DurableServer(folder: folder, clock: clock, transport: RecordingTransport()).run { client in
            let api = API(client: client, fixture: try ServerFixture())
            let org = try await api.org()
            orgID.withLock { $0 = org }
            let key = try await api.apiKey(org, role: "caseworker")
            let listed = try await api.get("/v1/orgs/\(org)/api-keys", token: api.admin)
            #expect(listed.json["items"]?.array.first?["last_used_at"] == .null, "never used yet")
            #expect(try await api.get("/v1/orgs/\(org)/tenants", token: key).status == 200)
            let used = try await api.get("/v1/orgs/\(org)/api-keys", token: api.admin)
            let at = try #require(used.json["items"]?.array.first?["last_used_at"]?.string, "\(used.text)")
            usedAt.withLock { $0 = at }
            #expect(!used.text.contains("mka_"), "never the secret")
        }
        let attributes = try FileManager.default.attributesOfItem(atPath: folder + "/api-key-usage")
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        try await DurableServer(folder: folder, clock: clock, transport: RecordingTransport()).run { client in
            let api = API(client: client, fixture: try ServerFixture())
            let org = orgID.withLock { $0 }
            let listed = try await api.get("/v1/orgs/\(org)/api-keys", token: api.admin)
            #expect(listed.json["items"]?.array.first?["last_used_at"]?.string == usedAt.withLock { $0 })
        }
    }

    @Test("After a restart the data, the idempotent answers and the outbox's deliveries are all still there")
    func restartKeepsEverything() async throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let clock = ManualClock()
        let refusing = RecordingTransport()
        refusing.failing.withLock { $0 = true }
        let body = #"{"email": "kept@example.org", "role": "viewer"}"#
        let firstAnswer = Mutex<[UInt8]>([])
        let orgID = Mutex<String>("")

        // First life: the mail transport is down, so the invitation's email stays queued.
        let first = try DurableServer(folder: folder, clock: clock, transport: refusing)
        try await first.run { client in
            let api = API(client: client, fixture: try ServerFixture())
            let org = try await api.org()
            orgID.withLock { $0 = org }
            let reply = try await api.post("/v1/orgs/\(org)/invitations", token: api.admin, body, headers: ["Idempotency-Key": "restart-1"])
            #expect(reply.status == 201)
            firstAnswer.withLock { $0 = reply.body }
            await first.parts.outboxService.deliverDue()
            let pending = await first.parts.outbox.pendingItems()
            #expect(pending.count == 1)
            #expect(pending.first?.attempts == 1, "the failed attempt is recorded")
        }

        // Second life, with the default file transport.
        let second = try DurableServer(folder: folder, clock: clock)
        try await second.run { client in
            let api = API(client: client, fixture: try ServerFixture())
            let org = orgID.withLock { $0 }
            let list = try await api.get("/v1/orgs/\(org)/invitations", token: api.admin)
            #expect(list.json["items"]?.array.count == 1)
            let retry = try await api.post("/v1/orgs/\(org)/invitations", token: api.admin, body, headers: ["Idempotency-Key": "restart-1"])
            #expect(retry.status == 201)
            #expect(retry.body == firstAnswer.withLock { $0 }, "the first answer survives the restart")
            clock.advance(by: .seconds(5))
            await second.parts.outboxService.deliverDue()
            let files = try emailFiles(in: folder + "/mail")
            #expect(files.count == 1)
            let message = QuotedPrintable.decoded(try String(contentsOfFile: folder + "/mail/" + files[0], encoding: .utf8))
            #expect(message.contains("To: kept@example.org\r\n"))
            #expect(message.contains("https://app.example.org/invitations/accept?token=mk1."))
        }

        // Third life: what was delivered is not sent again.
        let third = try DurableServer(folder: folder, clock: clock)
        try await third.run { client in
            #expect(await third.parts.outbox.pendingItems().isEmpty)
            await third.parts.outboxService.deliverDue()
            let files = try emailFiles(in: folder + "/mail")
            #expect(files.count == 1)
            let ready = try await client.execute(uri: "/readyz", method: .get)
            #expect(ready.status == .ok)
        }
    }

    @Test(
        "Emails follow the durable log: a restart that forgot how far delivery got sends each email again to the same file, never a second one, and no link is stored outside mail/"
    )
    func emailsFollowTheLogExactlyOnceToFiles() async throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let clock = ManualClock()
        let first = try DurableServer(folder: folder, clock: clock)
        let org = Mutex("")
        try await first.run { client in
            let api = API(client: client, fixture: try ServerFixture())
            let orgID = try await api.org()
            org.withLock { $0 = orgID }
            let invitation = try await api.post(
                "/v1/orgs/\(orgID)/invitations",
                token: api.admin,
                #"{"email": "once@example.org", "role": "viewer"}"#
            )
            let id = try #require(invitation.json["id"]?.string)
            clock.advance(by: .seconds(61))
            #expect(try await api.post("/v1/orgs/\(orgID)/invitations/\(id)/resend", token: api.admin).status == 200)
            let tenant = try await api.tenant(orgID, "Robin")
            try await api.post(
                "/v1/orgs/\(orgID)/tenants/\(tenant)/collaborators",
                token: api.admin,
                #"{"mode": "full", "email": "sam@support.example", "full_name": "Sam"}"#
            )
            await first.parts.outboxService.deliverDue()
        }
        let mail = folder + "/mail"
        let delivered = try emailFiles(in: mail).sorted()
        #expect(delivered.count == 3, "\(delivered)")
        let kinds = try delivered.map { try String(contentsOfFile: mail + "/" + $0, encoding: .utf8) }.compactMap { text in
            text.split(separator: "\r\n").first { $0.hasPrefix("X-Muster-Mail-Kind: ") }.map { String($0.dropFirst(20)) }
        }
        #expect(kinds.sorted() == ["collaborator_invitation", "invitation", "invitation_resent"])

        // A crash before the cursor was journaled: the outbox reads the log again from the start.
        try FileManager.default.removeItem(atPath: folder + "/outbox.cursor")
        let second = try DurableServer(folder: folder, clock: clock)
        try await second.run { _ in
            await second.parts.outboxService.deliverDue()
            #expect(await second.parts.outbox.cursor > 0, "the cursor moved past the records again")
        }
        #expect(try emailFiles(in: mail).sorted() == delivered, "no email twice")

        // The links exist only in the delivered emails.
        let tokens = try delivered.compactMap { name -> String? in
            let text = QuotedPrintable.decoded(try String(contentsOfFile: mail + "/" + name, encoding: .utf8))
            guard let range = text.range(of: "?token=") else { return nil }
            return String(text[range.upperBound...].prefix { !$0.isWhitespace })
        }
        #expect(tokens.count == 3)
        let files = FileManager.default.enumerator(atPath: folder)?.compactMap { $0 as? String }.filter { !$0.hasPrefix("mail") } ?? []
        for file in files {
            guard let bytes = FileManager.default.contents(atPath: folder + "/" + file) else { continue }
            for token in tokens { #expect(bytes.range(of: Data(token.utf8)) == nil, "\(file) holds a live link") }
        }
    }

    @Test("An outbox whose cursor is older than the compacted log goes on from the oldest record it holds, instead of stopping")
    func anOutboxBehindTheCompactedLogCarriesOn() async throws {
        let folder = NSTemporaryDirectory() + "muster-outbox-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let clock = ManualClock()
        let configure: @Sendable (inout ServerConfiguration) -> Void = {
            $0.segmentSize = 4096
            $0.snapshotEveryRecords = 40
        }
        let first = try DurableServer(folder: folder, clock: clock, transport: RecordingTransport(), configure: configure)
        let orgID = Mutex("")
        try await first.run { client in
            let api = API(client: client, fixture: try ServerFixture())
            let org = try await api.org()
            orgID.withLock { $0 = org }
            let segments = { try FileManager.default.contentsOfDirectory(atPath: folder + "/log").filter { $0.hasSuffix(".wal") }.sorted() }
            let firstSegment = try segments().first
            for round in 0..<500 where try segments().first == firstSegment {
                for index in 0..<10 { _ = try await api.tenant(org, "Tenant \(round).\(index)") }
                clock.advance(by: .seconds(11))
                await first.parts.sweep.idempotency.advanceWatermark(now: clock.now())
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(try segments().first != firstSegment)
        }
        // As if the outbox had never kept a cursor here (a folder from before it did).
        try FileManager.default.removeItem(atPath: folder + "/outbox.cursor")

        let transport = RecordingTransport()
        let second = try DurableServer(folder: folder, clock: clock, transport: transport, configure: configure)
        try await second.run { client in
            let api = API(client: client, fixture: try ServerFixture())
            let org = orgID.withLock { $0 }
            try await api.post("/v1/orgs/\(org)/invitations", token: api.admin, #"{"email": "after@example.org", "role": "viewer"}"#)
            for _ in 0..<300 where !transport.delivered.contains(where: { $0.to == "after@example.org" }) {
                await second.parts.outboxService.deliverDue()
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(transport.delivered.contains { $0.to == "after@example.org" }, "the invitation's email went out")
        }
    }

    @Test("The server secret and admin token are generated once, kept private, and reused")
    func secretsAreKept() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let first = try ServerSecrets.load(dataDirectory: folder, configuredAdminToken: nil)
        #expect(first.adminTokenIsNew)
        let second = try ServerSecrets.load(dataDirectory: folder, configuredAdminToken: nil)
        #expect(!second.adminTokenIsNew)
        #expect(second.adminToken == first.adminToken)
        #expect(second.signingKey == first.signingKey)
        let attributes = try FileManager.default.attributesOfItem(atPath: folder + "/admin-token")
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let configured = try ServerSecrets.load(dataDirectory: folder, configuredAdminToken: "configured-admin-token-123456")
        #expect(configured.adminToken == "configured-admin-token-123456")
        #expect(throws: ServerSetupError.self) { try ServerSecrets.load(dataDirectory: folder, configuredAdminToken: "short") }
    }

    @Test("Every folder and file of the data folder is private to its owner, whatever the umask, and a loose one is tightened at start")
    func dataFolderIsPrivate() async throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let clock = ManualClock()
        let loose = umask(0o022)
        defer { umask(loose) }

        let server = try DurableServer(folder: folder, clock: clock)
        try await server.run { client in
            let api = API(client: client, fixture: try ServerFixture())
            let org = try await api.org()
            try await api.post(
                "/v1/orgs/\(org)/invitations",
                token: api.admin,
                #"{"email": "private@example.org", "role": "viewer"}"#,
                headers: ["Idempotency-Key": "private-1"]
            )
            clock.advance(by: .seconds(5))
            await server.parts.outboxService.deliverDue()
        }
        var seen = Set<String>()
        func expectPrivate(_ directory: String) throws {
            let mode = (try FileManager.default.attributesOfItem(atPath: directory)[.posixPermissions] as? Int) ?? -1
            #expect(mode == 0o700, "folder \(directory) is \(String(mode, radix: 8))")
            for name in try FileManager.default.contentsOfDirectory(atPath: directory) {
                let path = directory + "/" + name
                var isDirectory: ObjCBool = false
                _ = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
                if isDirectory.boolValue {
                    try expectPrivate(path)
                    continue
                }
                seen.insert(name.hasSuffix(".eml") ? "*.eml" : name)
                let mode = (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? -1
                #expect(mode == 0o600, "file \(path) is \(String(mode, radix: 8))")
            }
        }
        try expectPrivate(folder)
        for expected in ["LOCK", "00000000000000000001.wal", "outbox.cursor", "idempotency.journal", "webhooks.journal", "*.eml"] {
            #expect(seen.contains(expected), "the walk saw \(expected) among \(seen.sorted())")
        }

        // A folder restored under a loose umask is tightened when the server next opens it.
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: folder)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: folder + "/outbox.cursor")
        let again = try DurableServer(folder: folder, clock: clock)
        try await again.run { _ in }
        seen = []
        try expectPrivate(folder)
    }

    @Test("A failed delivery is retried with backoff until it succeeds")
    func deliveryRetries() async throws {
        let fixture = try ServerFixture()
        fixture.transport.failing.withLock { $0 = true }
        try await fixture.run { api in
            let org = try await api.org()
            try await api.post("/v1/orgs/\(org)/invitations", token: api.admin, #"{"email": "retry@example.org", "role": "viewer"}"#)
            await fixture.parts.outboxService.deliverDue()
            await fixture.parts.outboxService.deliverDue()
            #expect(await fixture.parts.outbox.pendingItems().first?.attempts == 1, "the next attempt waits for its backoff")
            fixture.clock.advance(by: .seconds(1))
            await fixture.parts.outboxService.deliverDue()
            #expect(await fixture.parts.outbox.pendingItems().first?.attempts == 2)
            fixture.transport.failing.withLock { $0 = false }
            fixture.clock.advance(by: .seconds(2))
            await fixture.parts.outboxService.deliverDue()
            #expect(await fixture.parts.outbox.pendingItems().isEmpty)
            #expect(fixture.transport.delivered.count == 1)
            let counts = await fixture.parts.outbox.currentCounts()
            #expect(counts.delivered == 1)
            #expect(counts.failedAttempts >= 2)
        }
    }
}
