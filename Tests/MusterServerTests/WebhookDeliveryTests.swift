import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import MusterDomain
import MusterEngine
import MusterSecurity
import NIOCore
import Synchronization
import Testing

@testable import MusterDelivery
@testable import MusterJSON
@testable import MusterServer

/// A real HTTP receiver on loopback that keeps every webhook request, and can be "down"
/// (answering 503) for a while.
private final class WebhookReceiver: Sendable {
    struct Received: Sendable {
        var signature: String
        var eventID: String
        var webhookID = ""
        var body: [UInt8]
        var json: JSONValue { (try? JSONValue.parse(body)) ?? .null }
        var sequence: Int? { json["sequence"]?.int }
    }

    let received = Mutex<[Received]>([])
    let down = Mutex(false)

    func application() -> some ApplicationProtocol {
        let router = Router()
        router.post("/hook") { [self] request, context -> Response in
            let body = try await request.body.collect(upTo: 1 << 20)
            if down.withLock({ $0 }) { return Response(status: .serviceUnavailable) }
            let item = Received(
                signature: request.headers[HTTPField.Name(WebhookSignature.headerName)!] ?? "",
                eventID: request.headers[HTTPField.Name("Muster-Event-Id")!] ?? "",
                webhookID: request.headers[HTTPField.Name("Muster-Webhook-Id")!] ?? "",
                body: Array(buffer: body)
            )
            received.withLock { $0.append(item) }
            return Response(status: .noContent)
        }
        var logger = Logger(label: "receiver")
        logger.logLevel = .critical
        return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: logger)
    }

    /// The sequences received, in arrival order.
    var sequences: [Int] { received.withLock { $0.compactMap(\.sequence) } }

    /// Waits until `condition` holds of what arrived (at most 20 s).
    func waitUntil(_ condition: @escaping @Sendable ([Received]) -> Bool) async throws {
        for _ in 0..<2000 {
            if condition(received.withLock({ $0 })) { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        Issue.record("the receiver did not get what was expected; it got sequences \(sequences)")
    }
}

/// The token of the newest link `server`'s outbox handed `transport` for `email`.
private func linkToken(to email: String, on server: DurableServer, via transport: RecordingTransport) async throws -> String {
    for _ in 0..<200 where !transport.delivered.contains(where: { $0.to == email }) {
        await server.parts.outboxService.deliverDue()
        try await Task.sleep(for: .milliseconds(10))
    }
    let message = try #require(transport.delivered.last { $0.to == email })
    let range = try #require(message.text.range(of: "?token="))
    return String(message.text[range.upperBound...].prefix { !$0.isWhitespace })
}

private func temporaryFolder() -> String {
    let path = NSTemporaryDirectory() + "muster-webhooks-\(UUID().uuidString)"
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

private let fastRetries: WebhookRetryPolicy = {
    var retry = WebhookRetryPolicy()
    retry.maximumAttempts = 1000
    retry.firstDelay = Span(milliseconds: 20)
    retry.longestDelay = Span(milliseconds: 200)
    retry.requestTimeout = .seconds(5)
    return retry
}()

@Suite("Webhook delivery to a real receiver")
struct WebhookDeliveryTests {
    @Test("Every event of an invitation's lifecycle arrives signed and in order, also after the receiver was down and across a restart")
    func everyEventArrivesSignedInOrderAcrossDowntimeAndRestart() async throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let receiver = WebhookReceiver()
        let clock = ManualClock()
        let secret = Mutex("")
        let org = Mutex("")
        let webhookID = Mutex("")
        try await receiver.application().test(.live) { receiverClient in
            let url = "http://127.0.0.1:\(try #require(receiverClient.port))/hook"

            // First life: the whole lifecycle, then the receiver goes down.
            let transport = RecordingTransport()
            let first = try DurableServer(folder: folder, clock: clock, transport: transport, webhookRetry: fastRetries)
            try await first.run { client in
                let api = API(client: client, fixture: try ServerFixture())
                let orgID = try await api.org()
                org.withLock { $0 = orgID }
                let registered = try await api.post("/v1/orgs/\(orgID)/webhooks", token: api.admin, #"{"url": "\#(url)", "after": 0}"#)
                #expect(registered.status == 201, "\(registered.text)")
                let secretText = try #require(registered.json["secret"]?.string)
                #expect(secretText.hasPrefix("whsec_"))
                secret.withLock { $0 = secretText }
                webhookID.withLock { $0 = registered.json["id"]?.string ?? "" }
                let listed = try await api.get("/v1/orgs/\(orgID)/webhooks", token: api.admin)
                #expect(listed.json["items"]?.array.count == 1)
                #expect(!listed.text.contains(secretText), "the secret is shown once only")

                let ann = try await api.post("/v1/orgs/\(orgID)/invitations", token: api.admin, #"{"email": "ann@example.org", "role": "viewer"}"#)
                let annID = try #require(ann.json["id"]?.string)
                clock.advance(by: .seconds(120))
                #expect(try await api.post("/v1/orgs/\(orgID)/invitations/\(annID)/resend", token: api.admin).status == 200)
                #expect(
                    try await api.post("/v1/orgs/\(orgID)/invitations/\(annID)/revoke", token: api.admin, #"{"reason": "duplicate"}"#).status == 200
                )
                try await api.post("/v1/orgs/\(orgID)/invitations", token: api.admin, #"{"email": "bob@example.org", "role": "caseworker"}"#)
                let token = try await linkToken(to: "bob@example.org", on: first, via: transport)
                #expect(try await api.post("/v1/invitations/accept", #"{"token": "\#(token)"}"#).status == 200)
                try await api.post("/v1/orgs/\(orgID)/invitations", token: api.admin, #"{"email": "cat@example.org", "role": "viewer"}"#)
                clock.advance(by: .days(8))
                #expect(await first.parts.sweep.sweepOnce() == 1)

                let feed = try await api.get("/v1/orgs/\(orgID)/events?limit=1000", token: api.admin)
                let count = feed.json["items"]?.array.count ?? 0
                try await receiver.waitUntil { Set($0.compactMap(\.sequence)).count == count }

                receiver.down.withLock { $0 = true }
                try await api.post("/v1/orgs/\(orgID)/invitations", token: api.admin, #"{"email": "dan@example.org", "role": "viewer"}"#)
                try await api.post("/v1/orgs/\(orgID)/invitations", token: api.admin, #"{"email": "eve@example.org", "role": "viewer"}"#)
                // Wait until the failures show in the subscription's state.
                for _ in 0..<500 {
                    let state = try await api.get("/v1/orgs/\(orgID)/webhooks/\(webhookID.withLock { $0 })", token: api.admin)
                    if (state.json["attempts"]?.int ?? 0) >= 2 { break }
                    try await Task.sleep(for: .milliseconds(10))
                }
                let state = try await api.get("/v1/orgs/\(orgID)/webhooks/\(webhookID.withLock { $0 })", token: api.admin)
                #expect(state.json["status"]?.string == "active")
                #expect(state.json["last_error"]?.string == "the receiver answered 503")
                #expect((state.json["lag_events"]?.int ?? 0) >= 1)
            }

            // The signing secret is derived when needed and stored in no file of the data folder.
            let secretBytes = Data(secret.withLock { $0 }.utf8)
            let files = FileManager.default.enumerator(atPath: folder)?.compactMap { $0 as? String } ?? []
            #expect(files.contains("webhooks.journal"))
            for file in files {
                guard let bytes = FileManager.default.contents(atPath: folder + "/" + file) else { continue }
                #expect(bytes.range(of: secretBytes) == nil, "\(file) holds the webhook secret")
            }

            // Muster is stopped; the receiver comes back; Muster starts again on the same folder.
            receiver.down.withLock { $0 = false }
            let second = try DurableServer(folder: folder, clock: clock, transport: RecordingTransport(), webhookRetry: fastRetries)
            try await second.run { client in
                let api = API(client: client, fixture: try ServerFixture())
                let orgID = org.withLock { $0 }
                _ = try await api.tenant(orgID, "After the restart")
                let feed = try await api.get("/v1/orgs/\(orgID)/events?limit=1000", token: api.admin)
                let expected = feed.json["items"]?.array.compactMap { $0["sequence"]?.int } ?? []
                try await receiver.waitUntil { Set($0.compactMap(\.sequence)) == Set(expected) }

                // In order: the first arrival of each event comes after the first of the one before.
                var firstArrivals = [Int]()
                for sequence in receiver.sequences where !firstArrivals.contains(sequence) { firstArrivals.append(sequence) }
                #expect(firstArrivals == expected)
                let types = Set(feed.json["items"]?.array.compactMap { $0["type"]?.string } ?? [])
                for type in [
                    "user.invited", "user.invitation_resent", "user.invitation_revoked", "user.invitation_accepted", "user.created", "member.added",
                    "user.invitation_expired", "tenant.created",
                ] {
                    #expect(types.contains(type), "\(type) is missing from the feed")
                }
                // Each request is signed with the secret over its exact body, and is the feed's event.
                let feedEvents = Dictionary(
                    uniqueKeysWithValues: feed.json["items"]?.array.compactMap { item in item["sequence"]?.int.map { ($0, item) } } ?? []
                )
                let now = Int64(Date().timeIntervalSince1970)
                for item in receiver.received.withLock({ $0 }) {
                    #expect(WebhookSignature.verify(header: item.signature, body: item.body, secret: secret.withLock { $0 }, now: now))
                    #expect(!WebhookSignature.verify(header: item.signature, body: item.body + [0x20], secret: secret.withLock { $0 }, now: now))
                    #expect(item.json == feedEvents[item.sequence ?? -1])
                    #expect(item.eventID == "\(orgID):\(item.sequence ?? -1)")
                }
                // The history shows the failed attempts and the deliveries after them.
                let history = try await api.get("/v1/orgs/\(orgID)/webhooks/\(webhookID.withLock { $0 })/deliveries", token: api.admin)
                let statuses = history.json["items"]?.array.compactMap { $0["status"]?.string } ?? []
                #expect(statuses.contains("failed") && statuses.first == "delivered")
                #expect(history.json["items"]?.array.contains { $0["response_status"]?.int == 503 } == true)
            }
        }
    }

    @Test(
        "A webhook that starts in the org's history gets every event once, in order, across the handover from the trail to the log, and none of another org's"
    )
    func historyThenLogWithoutGapOrRepeat() async throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let receiver = WebhookReceiver()
        try await receiver.application().test(.live) { receiverClient in
            let url = "http://127.0.0.1:\(try #require(receiverClient.port))/hook"
            let server = try DurableServer(folder: folder, clock: ManualClock(), transport: RecordingTransport(), webhookRetry: fastRetries)
            try await server.run { client in
                let api = API(client: client, fixture: try ServerFixture())
                let orgID = try await api.org()
                let otherOrg = try await api.org("Other Housing")
                for index in 0..<40 {
                    try await api.post(
                        "/v1/orgs/\(orgID)/invitations",
                        token: api.admin,
                        #"{"email": "early\#(index)@example.org", "role": "viewer"}"#
                    )
                }
                let registered = try await api.post("/v1/orgs/\(orgID)/webhooks", token: api.admin, #"{"url": "\#(url)", "after": 0}"#)
                #expect(registered.status == 201, "\(registered.text)")
                // While it catches up on the history, both orgs keep changing.
                for index in 0..<40 {
                    try await api.post(
                        "/v1/orgs/\(orgID)/invitations",
                        token: api.admin,
                        #"{"email": "late\#(index)@example.org", "role": "viewer"}"#
                    )
                    try await api.post(
                        "/v1/orgs/\(otherOrg)/invitations",
                        token: api.admin,
                        #"{"email": "other\#(index)@example.org", "role": "viewer"}"#
                    )
                }
                let feed = try await api.get("/v1/orgs/\(orgID)/events?limit=1000", token: api.admin)
                let expected = feed.json["items"]?.array.compactMap { $0["sequence"]?.int } ?? []
                #expect(expected.count > 80)
                try await receiver.waitUntil { $0.count >= expected.count }
                try await Task.sleep(for: .milliseconds(200))
                #expect(receiver.sequences == expected, "each event once, in the org's order")
                let emails = receiver.received.withLock { $0 }.compactMap { $0.json["data"]?["email"]?.string }
                #expect(!emails.contains { $0.hasPrefix("other") }, "another org's events never reach it")
                #expect(receiver.received.withLock { $0 }.allSatisfy { $0.eventID.hasPrefix("\(orgID):") })
            }
        }
    }

    @Test(
        "A webhook paused while compaction removes the log it stood at holds none of it, and resumed after a restart catches up from the org's trail, every event once and in order"
    )
    func aLongPauseDoesNotPinTheLogNorLoseEvents() async throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let receiver = WebhookReceiver()
        let ids = Mutex(("", ""))
        let clock = ManualClock()
        let configure: @Sendable (inout ServerConfiguration) -> Void = {
            $0.segmentSize = 4096
            $0.snapshotEveryRecords = 40
        }
        try await receiver.application().test(.live) { receiverClient in
            let url = "http://127.0.0.1:\(try #require(receiverClient.port))/hook"
            let first = try DurableServer(
                folder: folder,
                clock: clock,
                transport: RecordingTransport(),
                webhookRetry: fastRetries,
                configure: configure
            )
            try await first.run { client in
                let api = API(client: client, fixture: try ServerFixture())
                let org = try await api.org()
                let registered = try await api.post("/v1/orgs/\(org)/webhooks", token: api.admin, #"{"url": "\#(url)", "after": 0}"#)
                let id = try #require(registered.json["id"]?.string)
                ids.withLock { $0 = (org, id) }
                _ = try await api.tenant(org, "Before the pause")
                try await receiver.waitUntil { $0.count >= 3 }
                #expect(try await api.post("/v1/orgs/\(org)/webhooks/\(id)/pause", token: api.admin, #"{"reason": "away"}"#).status == 200)
                let segments = { try FileManager.default.contentsOfDirectory(atPath: folder + "/log").filter { $0.hasSuffix(".wal") }.sorted() }
                let firstSegment = try segments().first
                for round in 0..<500 where try segments().first == firstSegment {
                    // Compaction needs two snapshots past the position; the idempotency store
                    // journals its watermark every 10 s when idle, and until then keeps the log.
                    for index in 0..<10 { _ = try await api.tenant(org, "While paused \(round).\(index)") }
                    clock.advance(by: .seconds(11))
                    await first.parts.sweep.idempotency.advanceWatermark(now: clock.now())
                    try await Task.sleep(for: .milliseconds(20))
                }
                #expect(try segments().first != firstSegment, "the paused webhook kept none of the log")
            }

            // Restarted, the log in memory is gone too: the webhook's records are nowhere but
            // in the org's trail.
            let second = try DurableServer(
                folder: folder,
                clock: clock,
                transport: RecordingTransport(),
                webhookRetry: fastRetries,
                configure: configure
            )
            try await second.run { client in
                let api = API(client: client, fixture: try ServerFixture())
                let (org, id) = ids.withLock { $0 }
                #expect(try await api.post("/v1/orgs/\(org)/webhooks/\(id)/resume", token: api.admin).status == 200)
                let feed = try await api.get("/v1/orgs/\(org)/events?limit=1000", token: api.admin)
                let expected = feed.json["items"]?.array.compactMap { $0["sequence"]?.int } ?? []
                try await receiver.waitUntil { Set($0.compactMap(\.sequence)) == Set(expected) }
                #expect(receiver.sequences == expected, "every event once, in order")
            }
        }
    }

    @Test("A ping reaches its own webhook alone, signed; after a rotation the old secret signs beside the new one until its grace period ends")
    func pingAndRotation() async throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let receiver = WebhookReceiver()
        try await receiver.application().test(.live) { receiverClient in
            let url = "http://127.0.0.1:\(try #require(receiverClient.port))/hook"
            let clock = ManualClock()
            let muster = try DurableServer(folder: folder, clock: clock, transport: RecordingTransport(), webhookRetry: fastRetries)
            try await muster.run { client in
                let api = API(client: client, fixture: try ServerFixture())
                let org = try await api.org()
                let key = try await api.apiKey(org)
                let narrow = try await api.post("/v1/orgs/\(org)/webhooks", token: key, #"{"url": "\#(url)", "event_types": ["tenant.created"]}"#)
                let wide = try await api.post("/v1/orgs/\(org)/webhooks", token: key, #"{"url": "\#(url)"}"#)
                let (pinged, other) = (try #require(narrow.json["id"]?.string), try #require(wide.json["id"]?.string))
                let oldSecret = try #require(narrow.json["secret"]?.string)

                let ping = try await api.post("/v1/orgs/\(org)/webhooks/\(pinged)/ping", token: key)
                #expect(ping.status == 202, "\(ping.text)")
                try await receiver.waitUntil { $0.contains { $0.webhookID == pinged && $0.json["type"]?.string == "webhook.ping" } }
                // The wide webhook takes every type, yet never another webhook's ping.
                _ = try await api.tenant(org, "After the ping")
                try await receiver.waitUntil { $0.contains { $0.webhookID == other && $0.json["type"]?.string == "tenant.created" } }
                #expect(!receiver.received.withLock { $0.contains { $0.webhookID == other && $0.json["type"]?.string == "webhook.ping" } })
                let history = try await api.get("/v1/orgs/\(org)/webhooks/\(pinged)/deliveries", token: key)
                #expect(history.json["items"]?.array.contains { $0["event_type"]?.string == "webhook.ping" } == true, "\(history.text)")

                let rotated = try await api.post("/v1/orgs/\(org)/webhooks/\(pinged)/rotate-secret", token: key, #"{"grace_period_hours": 1}"#)
                #expect(rotated.status == 200, "\(rotated.text)")
                let newSecret = try #require(rotated.json["secret"]?.string)
                #expect(newSecret != oldSecret)
                #expect(try await api.get("/v1/orgs/\(org)/webhooks/\(pinged)", token: key).json["secret"] == nil, "the new secret is shown once")

                func nextPing() async throws -> WebhookReceiver.Received {
                    let sent = try await api.post("/v1/orgs/\(org)/webhooks/\(pinged)/ping", token: key)
                    let eventID = try #require(sent.json["event_id"]?.string)
                    try await receiver.waitUntil { $0.contains { $0.eventID == eventID } }
                    return try #require(receiver.received.withLock { $0.last { $0.eventID == eventID } })
                }
                func verifies(_ received: WebhookReceiver.Received, _ secret: String) -> Bool {
                    let t = received.signature.split(separator: ",").first.flatMap { Int64($0.dropFirst(2)) } ?? 0
                    return WebhookSignature.verify(header: received.signature, body: received.body, secret: secret, now: t)
                }
                let during = try await nextPing()
                #expect(verifies(during, newSecret) && verifies(during, oldSecret), "both secrets sign during the grace period: \(during.signature)")
                clock.advance(by: .hours(2))
                let after = try await nextPing()
                #expect(verifies(after, newSecret) && !verifies(after, oldSecret), "only the new secret signs once the period is over")
            }
        }
    }

    /// A webhook's receiver is a third party: a reference-only contact's card never reaches it.
    @Test("A reference-only contact's name, email and phone never reach a webhook: its events carry the card's id and mode")
    func contactCardsNeverReachWebhooks() async throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let receiver = WebhookReceiver()
        try await receiver.application().test(.live) { receiverClient in
            let url = "http://127.0.0.1:\(try #require(receiverClient.port))/hook"
            let server = try DurableServer(folder: folder, clock: ManualClock(), transport: RecordingTransport(), webhookRetry: fastRetries)
            try await server.run { client in
                let api = API(client: client, fixture: try ServerFixture())
                let org = try await api.org()
                let registered = try await api.post(
                    "/v1/orgs/\(org)/webhooks",
                    token: api.admin,
                    #"{"url": "\#(url)", "event_types": ["collaborator.invited", "collaborator.contact_updated", "collaborator.ended"]}"#
                )
                #expect(registered.status == 201, "\(registered.text)")
                let tenant = try await api.tenant(org)
                let team = "/v1/orgs/\(org)/tenants/\(tenant)/collaborators"
                let card = try await api.post(team, token: api.admin, EventFeedTests.contactCard)
                let cardID = try #require(card.json["id"]?.string, "\(card.text)")
                _ = try await api.call(.patch, "\(team)/\(cardID)", token: api.admin, json: #"{"contact_email": "g.parry@surgery.example"}"#)
                _ = try await api.post("\(team)/\(cardID)/end", token: api.admin)
                try await receiver.waitUntil { $0.count >= 3 }
                let received = receiver.received.withLock { $0 }
                #expect(
                    received.compactMap { $0.json["type"]?.string } == ["collaborator.invited", "collaborator.contact_updated", "collaborator.ended"]
                )
                for event in received {
                    let body = String(decoding: event.body, as: UTF8.self)
                    for detail in EventFeedTests.contactDetails {
                        #expect(!body.contains(detail), "a webhook body carries the contact's \(detail): \(body)")
                    }
                    #expect(event.json["data"]?["collaborator_id"]?.string == cardID && event.json["data"]?["mode"]?.string == "reference_only")
                }
            }
        }
    }

    @Test("A subscriber that keeps failing is paused at the retry limit, and resumes where it stopped")
    func failingSubscriberIsPausedAndResumes() async throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let receiver = WebhookReceiver()
        receiver.down.withLock { $0 = true }
        let retry = {
            var retry = fastRetries
            retry.maximumAttempts = 3
            return retry
        }()
        try await receiver.application().test(.live) { receiverClient in
            let url = "http://127.0.0.1:\(try #require(receiverClient.port))/hook"
            let muster = try DurableServer(folder: folder, clock: ManualClock(), transport: RecordingTransport(), webhookRetry: retry)
            try await muster.run { client in
                let api = API(client: client, fixture: try ServerFixture())
                let org = try await api.org()
                let key = try await api.apiKey(org)
                let registered = try await api.post("/v1/orgs/\(org)/webhooks", token: key, #"{"url": "\#(url)", "event_types": ["tenant.created"]}"#)
                #expect(registered.status == 201, "\(registered.text)")
                let id = try #require(registered.json["id"]?.string)
                let tenant = try await api.tenant(org, "Paused")
                var state = try await api.get("/v1/orgs/\(org)/webhooks/\(id)", token: key)
                for _ in 0..<500 where state.json["status"]?.string != "paused" {
                    try await Task.sleep(for: .milliseconds(10))
                    state = try await api.get("/v1/orgs/\(org)/webhooks/\(id)", token: key)
                }
                #expect(state.json["status"]?.string == "paused")
                #expect(state.json["paused_reason"]?.string?.contains("failed 3 times") == true)
                let history = try await api.get("/v1/orgs/\(org)/webhooks/\(id)/deliveries", token: key)
                #expect(history.json["items"]?.array.compactMap { $0["attempt"]?.int } == [3, 2, 1])

                // Back up, but paused: nothing is sent until an admin resumes it.
                receiver.down.withLock { $0 = false }
                try await Task.sleep(for: .milliseconds(300))
                #expect(receiver.sequences.isEmpty)
                let resumed = try await api.post("/v1/orgs/\(org)/webhooks/\(id)/resume", token: key)
                #expect(resumed.json["status"]?.string == "active")
                try await receiver.waitUntil { $0.count == 1 }
                #expect(receiver.received.withLock { $0.first?.json["data"]?["tenant_id"]?.string } == tenant)
            }
        }
    }

    @Test("Delivery connects to the address it checked: a name turned private is refused, a name on an allowed network is reached by that address")
    func deliveryGoesOnlyWhereTheCheckLooked() async throws {
        let receiver = WebhookReceiver()
        try await receiver.application().test(.live) { receiverClient in
            let port = try #require(receiverClient.port)
            let url = "http://hooks.muster-test:\(port)/hook"
            let loopback = try #require(NetworkAddress(numericHost: "127.0.0.1"))

            // The default: the name resolves to loopback at delivery, so nothing is sent.
            let folder = temporaryFolder()
            defer { try? FileManager.default.removeItem(atPath: folder) }
            let resolver = TableResolver(["hooks.muster-test": [loopback]])
            let guarded = try DurableServer(
                folder: folder,
                clock: ManualClock(),
                transport: RecordingTransport(),
                webhookRetry: fastRetries,
                allowPrivateNetworks: false,
                resolver: resolver
            )
            try await guarded.run { client in
                let api = API(client: client, fixture: try ServerFixture())
                let org = try await api.org()
                let registered = try await api.post("/v1/orgs/\(org)/webhooks", token: api.admin, #"{"url": "\#(url)", "after": 0}"#)
                #expect(registered.status == 201, "a name is checked when it is used, \(registered.text)")
                let id = try #require(registered.json["id"]?.string)
                var state = try await api.get("/v1/orgs/\(org)/webhooks/\(id)", token: api.admin)
                for _ in 0..<500 where (state.json["attempts"]?.int ?? 0) < 2 {
                    try await Task.sleep(for: .milliseconds(10))
                    state = try await api.get("/v1/orgs/\(org)/webhooks/\(id)", token: api.admin)
                }
                #expect(state.json["last_error"]?.string?.contains("127.0.0.1, not a public internet address") == true, "\(state.text)")
                #expect(receiver.sequences.isEmpty, "nothing reached the private address")
            }

            // Allowed: the name exists only in Muster's resolver, so arriving proves the request
            // went to the checked address rather than a second lookup.
            let allowedFolder = temporaryFolder()
            defer { try? FileManager.default.removeItem(atPath: allowedFolder) }
            let allowed = try DurableServer(
                folder: allowedFolder,
                clock: ManualClock(),
                transport: RecordingTransport(),
                webhookRetry: fastRetries,
                allowPrivateNetworks: true,
                resolver: resolver
            )
            try await allowed.run { client in
                let api = API(client: client, fixture: try ServerFixture())
                let org = try await api.org()
                #expect(try await api.post("/v1/orgs/\(org)/webhooks", token: api.admin, #"{"url": "\#(url)", "after": 0}"#).status == 201)
                try await receiver.waitUntil { !$0.isEmpty }
            }
        }
    }

    @Test("Webhook changes are audited with who made them; revoking the creating key pauses its webhook until an org admin resumes it")
    func webhookChangesAreAuditedAndFollowTheirCreator() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let org = try await api.org()
            let key = try await api.post("/v1/orgs/\(org)/api-keys", token: api.admin, #"{"name": "integration", "role": "site_admin"}"#)
            let keyID = try #require(key.json["id"]?.string)
            let keySecret = try #require(key.json["secret"]?.string)
            let created = try await api.post("/v1/orgs/\(org)/webhooks", token: keySecret, #"{"url": "https://hooks.example.org/in"}"#)
            #expect(created.status == 201, "\(created.text)")
            let id = try #require(created.json["id"]?.string)
            #expect(created.json["created_by"]?.string == "api_key:\(keyID)")

            let paused = try await api.post("/v1/orgs/\(org)/webhooks/\(id)/pause", token: keySecret, #"{"reason": "deploying the receiver"}"#)
            #expect(paused.json["status"]?.string == "paused")
            #expect(paused.json["paused_cause"]?.string == "requested")
            #expect(try await api.post("/v1/orgs/\(org)/webhooks/\(id)/resume", token: keySecret).json["status"]?.string == "active")

            #expect(try await api.post("/v1/orgs/\(org)/api-keys/\(keyID)/revoke", token: api.admin).status == 200)
            let state = try await api.get("/v1/orgs/\(org)/webhooks/\(id)", token: api.admin)
            #expect(state.json["status"]?.string == "paused")
            #expect(state.json["paused_cause"]?.string == "creator_lost_access")
            #expect(state.json["paused_reason"]?.string?.contains("integration") == true, "\(state.text)")

            let siteAdmin = try await api.member(org, "site@example.org", role: "site_admin")
            let refused = try await api.post("/v1/orgs/\(org)/webhooks/\(id)/resume", token: siteAdmin.token)
            #expect(refused.status == 403, "only an org admin takes over a webhook whose creator lost access: \(refused.text)")
            let orgAdmin = try await api.member(org, "admin@example.org", role: "org_admin")
            #expect(try await api.post("/v1/orgs/\(org)/webhooks/\(id)/resume", token: orgAdmin.token).json["status"]?.string == "active")
            #expect(try await api.call(.delete, "/v1/orgs/\(org)/webhooks/\(id)", token: orgAdmin.token).status == 204)

            let audit = try await api.get(
                "/v1/orgs/\(org)/events?type=webhook.created,webhook.paused,webhook.resumed,webhook.deleted",
                token: api.admin
            )
            let items = audit.json["items"]?.array ?? []
            #expect(
                items.compactMap { $0["type"]?.string } == [
                    "webhook.created", "webhook.paused", "webhook.resumed", "webhook.paused", "webhook.resumed", "webhook.deleted",
                ]
            )
            #expect(
                items.compactMap { $0["actor"]?.string } == [
                    "api_key:\(keyID)", "api_key:\(keyID)", "api_key:\(keyID)", "platform_admin", "user:\(orgAdmin.userID)",
                    "user:\(orgAdmin.userID)",
                ]
            )
            #expect(items.first?["data"]?["url"]?.string == "https://hooks.example.org/in")
            #expect(items.allSatisfy { $0["data"]?["webhook_id"]?.string == id })
        }
    }

    @Test("Bad webhook requests get a clear 4xx and register nothing; only admins and keys manage webhooks")
    func badWebhookRequestsAreRefused() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let org = try await api.org()
            let base = "/v1/orgs/\(org)/webhooks"
            for body in [
                #"{"url": "ftp://example.org/hook"}"#, #"{"url": "not a url"}"#, #"{"url": "https://user:pw@example.org/"}"#,
                #"{"url": "https://example.org/hook", "event_types": ["user.bogus"]}"#, #"{"url": "https://example.org/hook", "event_types": []}"#,
                #"{"url": "https://example.org/hook", "after": 999}"#, #"{"url": "https://example.org/hook", "colour": "red"}"#, #"{}"#, #"[]"#,
            ] {
                let reply = try await api.post(base, token: api.admin, body)
                #expect((400..<500).contains(reply.status), "\(body): \(reply.text)")
                #expect(reply.code == "validation_failed", "\(body): \(reply.text)")
            }
            #expect(try await api.get(base, token: api.admin).json["items"]?.array.isEmpty == true)

            let viewer = try await api.member(org, "viewer@example.org", role: "viewer")
            #expect(try await api.post(base, token: viewer.token, #"{"url": "https://example.org/hook"}"#).status == 403)
            #expect(try await api.get(base, token: viewer.token).status == 403)

            let created = try await api.post(base, token: api.admin, #"{"url": "https://example.org/hook"}"#)
            let id = try #require(created.json["id"]?.string)
            let other = try await api.org("Elsewhere")
            #expect(try await api.get("/v1/orgs/\(other)/webhooks/\(id)", token: api.admin).status == 404)
            #expect(try await api.call(.delete, "\(base)/\(id)", token: viewer.token).status == 403)
            #expect(try await api.call(.delete, "\(base)/\(id)", token: api.admin).status == 204)
            #expect(try await api.call(.delete, "\(base)/\(id)", token: api.admin).status == 404)
            #expect(try await api.get("\(base)/\(id)", token: api.admin).status == 404)

            for index in 0..<Webhook.maximumPerOrg {
                #expect(try await api.post(base, token: api.admin, #"{"url": "https://example.org/hook/\#(index)"}"#).status == 201)
            }
            let tooMany = try await api.post(base, token: api.admin, #"{"url": "https://example.org/hook/more"}"#)
            #expect(tooMany.status == 409)
        }
    }

    /// The attack: a site admin, or a site admin's API key, holds `users.view` and so manages
    /// integrations; it used to pause, resume and delete an org admin's webhook at will.
    @Test("A site admin may not pause, resume or delete an org admin's webhook: 403, and it keeps running; the org admin may")
    func siteAdminsCannotSilenceAnOrgAdminsWebhook() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let org = try await api.org()
            let base = "/v1/orgs/\(org)/webhooks"
            let orgAdmin = try await api.member(org, "admin@example.org", role: "org_admin")
            let created = try await api.post(base, token: orgAdmin.token, #"{"url": "https://hooks.example.org/in"}"#)
            #expect(created.status == 201, "\(created.text)")
            let id = try #require(created.json["id"]?.string)
            let siteAdmin = try await api.member(org, "site@example.org", role: "site_admin")
            let siteKey = try await api.apiKey(org, role: "site_admin")
            for intruder in [siteAdmin.token, siteKey] {
                let paused = try await api.post("\(base)/\(id)/pause", token: intruder, #"{"reason": "silenced"}"#)
                #expect(paused.status == 403 && paused.code == "forbidden", "\(paused.text)")
                let deleted = try await api.call(.delete, "\(base)/\(id)", token: intruder)
                #expect(deleted.status == 403, "\(deleted.text)")
            }
            #expect(try await api.get("\(base)/\(id)", token: orgAdmin.token).json["status"]?.string == "active")
            #expect(try await api.post("\(base)/\(id)/pause", token: orgAdmin.token).json["status"]?.string == "paused")
            for intruder in [siteAdmin.token, siteKey] {
                let resumed = try await api.post("\(base)/\(id)/resume", token: intruder)
                #expect(resumed.status == 403, "\(resumed.text)")
            }
            #expect(try await api.get("\(base)/\(id)", token: orgAdmin.token).json["status"]?.string == "paused")
            #expect(try await api.post("\(base)/\(id)/resume", token: orgAdmin.token).json["status"]?.string == "active")
            #expect(try await api.call(.delete, "\(base)/\(id)", token: orgAdmin.token).status == 204)
            let events = try await api.get("/v1/orgs/\(org)/events?type=webhook.paused,webhook.resumed,webhook.deleted", token: api.admin)
            #expect(events.json["items"]?.array.compactMap { $0["actor"]?.string } == Array(repeating: "user:\(orgAdmin.userID)", count: 3))
        }
    }

    @Test("PATCH changes a webhook's url, types or description; bad changes, private urls, other orgs and viewers are refused and change nothing")
    func webhooksAreChangedInPlace() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let org = try await api.org()
            let base = "/v1/orgs/\(org)/webhooks"
            let created = try await api.post(base, token: api.admin, #"{"url": "https://example.org/hook", "event_types": ["user.invited"]}"#)
            let id = try #require(created.json["id"]?.string)
            let changed = try await api.call(.patch, "\(base)/\(id)", token: api.admin, json: #"{"description": "billing", "event_types": null}"#)
            #expect(changed.status == 200, "\(changed.text)")
            #expect(changed.json["event_types"] == .null && changed.json["description"]?.string == "billing")
            #expect(changed.json["url"]?.string == "https://example.org/hook")
            #expect(changed.json["secret"] == nil)
            let moved = try await api.call(.patch, "\(base)/\(id)", token: api.admin, json: #"{"url": "https://hooks.example.org/v2"}"#)
            #expect(moved.json["url"]?.string == "https://hooks.example.org/v2" && moved.json["description"]?.string == "billing")

            let before = try await api.get("\(base)/\(id)", token: api.admin).json["url"]
            for body in [
                #"{"url": "http://127.0.0.1/hook"}"#, #"{"url": "ftp://example.org/"}"#, #"{"event_types": []}"#, #"{"event_types": ["user.bogus"]}"#,
                #"{"description": 7}"#, #"{"secret": "mine"}"#,
            ] {
                let reply = try await api.call(.patch, "\(base)/\(id)", token: api.admin, json: body)
                #expect(reply.status == 422, "\(body): \(reply.text)")
            }
            #expect(try await api.get("\(base)/\(id)", token: api.admin).json["url"] == before)
            let viewer = try await api.member(org, "viewer@example.org", role: "viewer")
            #expect(try await api.call(.patch, "\(base)/\(id)", token: viewer.token, json: #"{"description": "mine"}"#).status == 403)
            #expect(try await api.post("\(base)/\(id)/ping", token: viewer.token).status == 403)
            #expect(try await api.post("\(base)/\(id)/rotate-secret", token: viewer.token).status == 403)
            // A site admin manages integrations, yet may not repoint or re-key a webhook someone else owns.
            let siteAdmin = try await api.member(org, "site@example.org", role: "site_admin")
            let takeover = try await api.call(.patch, "\(base)/\(id)", token: siteAdmin.token, json: #"{"url": "https://attacker.example/in"}"#)
            #expect(takeover.status == 403, "\(takeover.text)")
            #expect(try await api.post("\(base)/\(id)/rotate-secret", token: siteAdmin.token).status == 403)
            #expect(try await api.get("\(base)/\(id)", token: api.admin).json["url"] == before)
            let other = try await api.org("Elsewhere")
            #expect(try await api.call(.patch, "/v1/orgs/\(other)/webhooks/\(id)", token: api.admin, json: #"{"description": "x"}"#).status == 404)
            #expect(try await api.post("\(base)/\(id)/rotate-secret", token: api.admin, #"{"grace_period_hours": 169}"#).status == 422)
            #expect(try await api.post("\(base)/\(id)/ping", token: api.admin, #"{"payload": "x"}"#).status == 422)
            _ = try await api.post("\(base)/\(id)/pause", token: api.admin)
            #expect(try await api.post("\(base)/\(id)/ping", token: api.admin).status == 409, "a paused webhook is resumed before it is pinged")
        }
    }
}
