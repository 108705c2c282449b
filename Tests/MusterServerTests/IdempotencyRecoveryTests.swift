import Foundation
import HTTPTypes
import MusterDomain
import MusterEngine
import MusterLog
import MusterSecurity
import MusterStorage
import Synchronization
import Testing

@testable import MusterServer

/// Opens the durable engine on `folder`.
private func openEngine(_ folder: String, clock: ManualClock) async throws -> DurableEngine {
    try await DurableEngine.open(
        StoreOptions(dataDirectory: folder),
        secret: Array(repeating: 7, count: 32),
        clock: clock,
        hasher: PasswordHasher(rounds: 1_000)
    )
}

private func temporaryFolder() -> String {
    let path = NSTemporaryDirectory() + "muster-idempotency-\(UUID().uuidString)"
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// Answers kept across the `@Sendable` test client's closures.
private final class LockedTexts: Sendable {
    private let texts = Mutex<[String]>([])
    func append(_ text: String) { texts.withLock { $0.append(text) } }
    var all: [String] { texts.withLock { $0 } }
}

/// The problem code `begin` refused with, or `nil` when it said to run.
private func refusal(_ store: IdempotencyStore, scope: String, key: String, fingerprint: String, now: Timestamp) async -> String? {
    do {
        _ = try await store.begin(scope: scope, key: key, fingerprint: fingerprint, now: now)
        return nil
    } catch let problem as Problem {
        return problem.code
    } catch {
        return "\(error)"
    }
}

@Suite("Idempotency after a crash")
struct IdempotencyRecoveryTests {
    @Test(
        "A keyed change that is in the log but lost its answer in a crash is answered idempotency_answer_lost; a key never applied runs again; another caller's key is its own",
        arguments: [false, true]
    )
    func theLogTellsWhatTheJournalLost(snapshotInBetween: Bool) async throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let clock = ManualClock()
        let journalPath = folder + "/idempotency.journal"
        let mark = RequestMark(scope: "platform_admin", key: "create-robin", fingerprint: "f1")

        // First life: the keyed change is made durable, then the process dies before the
        // answer is journaled (the store never hears of it).
        let first = try await openEngine(folder, clock: clock)
        // As in the server, the store is open (its journal started) before any request.
        _ = try IdempotencyStore(path: journalPath, now: clock.now())
        let orgID = try await first.engine.createOrganisation(name: "Riverside", by: .platformAdmin)
        _ = try await first.engine.createTenant(org: orgID, name: "Robin", by: .platformAdmin, context: CommandContext(mark: mark))
        if snapshotInBetween {
            // The newest snapshot then covers the change: its mark is read from the segments.
            try await first.snapshot()
            _ = try await first.engine.createTenant(org: orgID, name: "Sam", by: .platformAdmin)
            try await first.snapshot()
        }
        first.close()

        let second = try await openEngine(folder, clock: clock)
        defer { second.close() }
        let store = try IdempotencyStore(path: journalPath, now: clock.now())
        #expect(try await store.recover(from: second, now: clock.now()).isEmpty)
        #expect(await refusal(store, scope: mark.scope, key: mark.key, fingerprint: "f1", now: clock.now()) == "idempotency_answer_lost")
        #expect(await refusal(store, scope: mark.scope, key: mark.key, fingerprint: "other", now: clock.now()) == "idempotency_key_reused")
        #expect(await refusal(store, scope: mark.scope, key: "never-applied", fingerprint: "f2", now: clock.now()) == nil)
        #expect(await refusal(store, scope: "api_key:someone-else", key: mark.key, fingerprint: "f1", now: clock.now()) == nil)
        let tenants = try await second.engine.tenants(org: orgID, by: .platformAdmin)
        #expect(tenants.items.filter { $0.name == "Robin" }.count == 1, "the change was made once")

        // The two requests that were let run end (refused, say); the watermark moves on past the
        // mark, and a later restart still knows the answer was lost.
        await store.release(scope: mark.scope, key: "never-applied")
        await store.release(scope: "api_key:someone-else", key: mark.key)
        _ = try await second.engine.createTenant(org: orgID, name: "Later", by: .platformAdmin)
        clock.advance(by: .seconds(11))
        await store.advanceWatermark(now: clock.now())
        #expect(await store.watermark >= second.log.durablePosition)
        let third = try IdempotencyStore(path: journalPath, now: clock.now())
        _ = try await third.recover(from: second, now: clock.now())
        #expect(await refusal(third, scope: mark.scope, key: mark.key, fingerprint: "f1", now: clock.now()) == "idempotency_answer_lost")
    }

    @Test("A keyed request's mark is in the last record of its change alone: the member after the new user, the new password after the reset's audit")
    func theMarkIsInTheLastRecordOfTheChange() async throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let clock = ManualClock()
        try await DurableServer(folder: folder, clock: clock).run { client in
            let api = API(client: client, fixture: try ServerFixture())
            let org = try await api.org()
            let created = try await api.post(
                "/v1/orgs/\(org)/users",
                token: api.admin,
                #"{"email": "direct@example.org", "role": "caseworker"}"#,
                headers: ["Idempotency-Key": "create-direct"]
            )
            #expect(created.status == 201, "\(created.text)")
            let userID = try #require(created.json["member"]?["user_id"]?.string)
            let reset = try await api.post(
                "/v1/orgs/\(org)/members/\(userID)/reset-password",
                token: api.admin,
                headers: ["Idempotency-Key": "reset-1"]
            )
            #expect(reset.status == 200, "\(reset.text)")
            let tenant = try await api.post("/v1/orgs/\(org)/tenants", token: api.admin, #"{"name": "Robin"}"#)
            #expect(tenant.status == 201 && tenant.headers[.init("Muster-Position")!] != nil, "an unkeyed change still hands back its position")
        }
        let reopened = try await openEngine(folder, clock: clock)
        defer { reopened.close() }
        let records = try reopened.log.records(after: 0)
        let marked = records.filter { $0.mark != nil }
        #expect(marked.map { $0.mark!.key } == ["create-direct", "reset-1"], "one record per keyed change carries its mark, and nothing else does")
        if case .org(_, let events) = marked.first?.record {
            #expect(events.contains { if case .memberAdded = $0.event { true } else { false } }, "the member's record, after the user's")
        } else {
            Issue.record("the new member's mark is not in the org's record: \(String(describing: marked.first?.record))")
        }
        if case .directory(let events) = marked.last?.record, case .passwordSet = events.first?.event {
        } else {
            Issue.record("the reset's mark is not in the new password's record: \(String(describing: marked.last?.record))")
        }
    }

    @Test("A data folder whose log was compacted before this version ran starts, and reads none of the log for marks")
    func aCompactedFolderFromBeforeStarts() async throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let clock = ManualClock()
        var options = StoreOptions(dataDirectory: folder)
        options.segmentSize = 4096
        let first = try await DurableEngine.open(options, secret: Array(repeating: 7, count: 32), clock: clock, hasher: PasswordHasher(rounds: 1_000))
        let orgID = try await first.engine.createOrganisation(name: "Riverside", by: .platformAdmin)
        for index in 0..<200 { _ = try await first.engine.createTenant(org: orgID, name: "Tenant \(index)", by: .platformAdmin) }
        try await first.snapshot()
        for index in 0..<200 { _ = try await first.engine.createTenant(org: orgID, name: "More \(index)", by: .platformAdmin) }
        try await first.snapshot()
        first.close()
        let segments = try FileManager.default.contentsOfDirectory(atPath: folder + "/log").filter { $0.hasSuffix(".wal") }.sorted()
        #expect(segments.first != "00000000000000000001.wal", "the first segments were compacted away")

        let second = try await DurableEngine.open(
            options,
            secret: Array(repeating: 7, count: 32),
            clock: clock,
            hasher: PasswordHasher(rounds: 1_000)
        )
        defer { second.close() }
        // No journal: this version never ran here.
        let store = try IdempotencyStore(path: folder + "/idempotency.journal", now: clock.now())
        #expect(try await store.recover(from: second, now: clock.now()).isEmpty)
        #expect(await store.watermark == second.report.lastPosition)
        #expect(await refusal(store, scope: "platform_admin", key: "new", fingerprint: "f", now: clock.now()) == nil)

        // Stopped at once, before an idle store's watermark is due: the next start still reads
        // none of the compacted log.
        let again = try IdempotencyStore(path: folder + "/idempotency.journal", now: clock.now())
        #expect(try await again.recover(from: second, now: clock.now()).isEmpty)
        #expect(await again.watermark == second.report.lastPosition)
    }

    @Test("Each idempotent request costs one journal write, its answer, and the answer survives a restart byte for byte")
    func oneJournalWritePerRequest() async throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let clock = ManualClock()
        let server = try DurableServer(folder: folder, clock: clock)
        let bodies = LockedTexts()
        let orgID = LockedTexts()
        try await server.run { client in
            let api = API(client: client, fixture: try ServerFixture())
            let org = try await api.org()
            orgID.append(org)
            for index in 0..<5 {
                let answer = try await api.post(
                    "/v1/orgs/\(org)/tenants",
                    token: api.admin,
                    #"{"name": "Tenant \#(index)"}"#,
                    headers: ["Idempotency-Key": "tenant-\(index)"]
                )
                #expect(answer.status == 201)
                bodies.append(answer.text)
            }
            // A refused keyed request writes nothing.
            let refused = try await api.post("/v1/orgs/\(org)/tenants", token: api.admin, #"{"name": ""}"#, headers: ["Idempotency-Key": "refused"])
            #expect(refused.status == 422)
        }
        let (_, entries) = try Journal.open(path: folder + "/idempotency.journal")
        let answers = entries.compactMap(IdempotencyStore.JournalEntry.init).filter { if case .answer = $0 { true } else { false } }
        #expect(answers.count == 5, "one entry per successful request, none for the refusal, no reservations")

        let restarted = try DurableServer(folder: folder, clock: clock)
        try await restarted.run { client in
            let api = API(client: client, fixture: try ServerFixture())
            let org = try #require(orgID.all.first)
            let replayed = try await api.post(
                "/v1/orgs/\(org)/tenants",
                token: api.admin,
                #"{"name": "Tenant 3"}"#,
                headers: ["Idempotency-Key": "tenant-3"]
            )
            #expect(replayed.text == bodies.all[3])
            #expect(replayed.headers[.init("Idempotent-Replayed")!] == "true")
        }
    }

    @Test("A journal written in the earlier JSON layout still reads: its answers replay, and a reservation without an answer stays outcome unknown")
    func theEarlierLayoutStillReads() async throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let clock = ManualClock()
        let path = folder + "/idempotency.journal"
        let at = clock.now().millisecondsSinceEpoch
        let (journal, _) = try Journal.open(path: path)
        for line in [
            #"{"kind":"reserve","scope":"platform_admin","key":"a","fingerprint":"fa","at":\#(at)}"#,
            #"{"kind":"complete","scope":"platform_admin","key":"a","fingerprint":"fa","at":\#(at),"status":201,"contentType":"application/json","headers":[],"body":"eyJvayI6dHJ1ZX0="}"#,
            #"{"kind":"reserve","scope":"platform_admin","key":"b","fingerprint":"fb","at":\#(at)}"#,
            #"{"kind":"reserve","scope":"platform_admin","key":"c","fingerprint":"fc","at":\#(at)}"#,
            #"{"kind":"release","scope":"platform_admin","key":"c","at":\#(at)}"#,
        ] {
            try await journal.append(Array(line.utf8))
        }
        journal.close()

        let store = try IdempotencyStore(path: path, now: clock.now())
        guard case .replay(let answer) = try await store.begin(scope: "platform_admin", key: "a", fingerprint: "fa", now: clock.now()) else {
            Issue.record("the earlier layout's answer was not kept")
            return
        }
        #expect(answer.status.code == 201 && answer.body == Array(#"{"ok":true}"#.utf8))
        #expect(await refusal(store, scope: "platform_admin", key: "b", fingerprint: "fb", now: clock.now()) == "idempotency_outcome_unknown")
        #expect(await refusal(store, scope: "platform_admin", key: "c", fingerprint: "fc", now: clock.now()) == nil, "a released key runs again")

        // Reopened, the journal is in the binary layout and says the same.
        let reopened = try IdempotencyStore(path: path, now: clock.now())
        #expect(await refusal(reopened, scope: "platform_admin", key: "a", fingerprint: "other", now: clock.now()) == "idempotency_key_reused")
        #expect(await refusal(reopened, scope: "platform_admin", key: "b", fingerprint: "fb", now: clock.now()) == "idempotency_outcome_unknown")
    }
}
