import Foundation
import MusterTestSupport
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Nodes of a cluster as real `muster serve` processes on loopback over a real PostgreSQL,
/// killed with SIGKILL and frozen with SIGSTOP.
@Suite(.serialized) struct ClusterProcessTests {
    static let token = "mkadmin_cluster_test_token_0123456789"

    /// Three (or `count`) nodes on one fresh database, sharing one mail folder.
    final class Cluster: Sendable {
        let folder = TemporaryFolder()
        let database: String
        let ports: [Int]
        let processes: Mutex<[MusterProcess?]>
        /// Further `muster serve` arguments for every node.
        let settings: [String]

        /// `count` nodes, of which the first `started` (all by default) are started now.
        init(count: Int = 3, started: Int? = nil, database: String? = nil, settings: [String] = []) throws {
            self.database = try database ?? TestPostgres.freshDatabase()
            self.settings = settings
            ports = (0..<count).map { _ in freePort() }
            processes = Mutex(Array(repeating: nil, count: count))
            for index in 0..<(started ?? count) { try start(index) }
        }

        deinit {
            for process in processes.withLock({ $0 }) {
                process?.send(SIGCONT)
                process?.kill()
            }
        }

        var mail: String { folder.path + "/mail" }

        func start(_ index: Int) throws {
            let process = try MusterProcess(
                [
                    "serve", "--port", "\(ports[index])", "--data-dir", folder.path + "/node-\(index)", "--postgres-url", database, "--node-name",
                    "node-\(index)", "--advertise-url", "http://127.0.0.1:\(ports[index])", "--mail-dir", mail, "--admin-token",
                    ClusterProcessTests.token,
                    "--lease-seconds", "2",
                ] + settings,
                in: folder.path
            )
            processes.withLock { $0[index] = process }
        }

        func process(_ index: Int) -> MusterProcess { processes.withLock { $0[index]! } }

        func output(_ index: Int) -> String { process(index).output }

        /// The index of the node that leads, as the database says; waits up to `seconds`.
        func leader(within seconds: Double = 20, excluding excluded: Int? = nil) async throws -> Int {
            let deadline = Date().addingTimeInterval(seconds)
            while Date() < deadline {
                for index in ports.indices where index != excluded {
                    if let answer = await onThread({ [ports] in
                        httpRequest(port: ports[index], method: "GET", path: "/v1/cluster", token: ClusterProcessTests.token)
                    }),
                        answer.status == 200, let leader = jsonValue(answer.body, "leader") as? String, leader.hasPrefix("node-"),
                        let number = Int(leader.dropFirst(5)), number != excluded
                    {
                        return number
                    }
                }
                try await Task.sleep(for: .milliseconds(100))
            }
            throw Failure("no node led within \(seconds) s: \(ports.indices.map { output($0).suffix(2_000) })")
        }

        /// Waits until every node answers `/readyz` with 200.
        func waitUntilReady(_ indices: [Int]? = nil) async throws {
            let deadline = Date().addingTimeInterval(60)
            for index in indices ?? Array(ports.indices) {
                while await onThread({ [ports] in httpStatus(port: ports[index], path: "/readyz") }) != 200 {
                    guard Date() < deadline else {
                        // A crash's cause comes before its backtrace, which fills the end.
                        throw Failure("node-\(index) was not ready: \(output(index).prefix(4_000)) … \(output(index).suffix(1_000))")
                    }
                    try await Task.sleep(for: .milliseconds(100))
                }
            }
        }

        func request(
            _ index: Int,
            _ method: String,
            _ path: String,
            body: String? = nil,
            token: String? = ClusterProcessTests.token,
            headers: [String] = [],
            source: String? = nil
        ) async -> (status: Int, body: Data, head: String)? {
            await onThread { [ports] in
                httpExchange(port: ports[index], method: method, path: path, token: token, body: body, headers: headers, source: source)
            }
        }

        /// Creates an org through node `index`; its id.
        func createOrg(via index: Int) async throws -> String {
            let answer = try await retrying(index, "POST", "/v1/orgs", body: #"{"name":"Cluster Org"}"#)
            #expect(answer.status == 201)
            return try #require(jsonString(answer.body, "id"))
        }

        /// Like ``request(_:_:_:body:token:headers:)``, sent again while the answer is 503 with
        /// `Retry-After`, as a client does (a node just started may not yet know who leads).
        func retrying(_ index: Int, _ method: String, _ path: String, body: String? = nil) async throws -> (status: Int, body: Data, head: String) {
            var answer = try #require(await request(index, method, path, body: body))
            for _ in 0..<40 where answer.status == 503 {
                try await Task.sleep(for: .milliseconds(250))
                answer = try #require(await request(index, method, path, body: body))
            }
            return answer
        }

        /// Every invitation email of `org` that node `index` lists.
        func listedEmails(_ org: String, on index: Int) async throws -> Set<String> {
            var emails = Set<String>()
            var cursor: String?
            repeat {
                let path = "/v1/orgs/\(org)/invitations?limit=1000" + (cursor.map { "&after=\($0)" } ?? "")
                var answer = try #require(await request(index, "GET", path))
                // 503 with Retry-After is a node not yet sure it is current (just after an
                // outage): retried, as a client does.
                for _ in 0..<40 where answer.status == 503 {
                    try await Task.sleep(for: .milliseconds(250))
                    answer = try #require(await request(index, "GET", path))
                }
                try #require(answer.status == 200, "node-\(index): \(String(decoding: answer.body, as: UTF8.self))")
                let object = try #require(try JSONSerialization.jsonObject(with: answer.body) as? [String: Any])
                for item in object["items"] as? [[String: Any]] ?? [] { emails.insert(item["email"] as! String) }
                cursor = object["next_cursor"] as? String
            } while cursor != nil
            return emails
        }

        /// The recipients of every email file written so far.
        func mailedRecipients() -> [String] {
            var recipients = [String]()
            let enumerator = FileManager.default.enumerator(atPath: mail)
            while let name = enumerator?.nextObject() as? String {
                guard name.hasSuffix(".eml"), let text = try? String(contentsOfFile: mail + "/" + name, encoding: .utf8) else { continue }
                if let line = text.split(separator: "\r\n").first(where: { $0.hasPrefix("To: ") }) { recipients.append(String(line.dropFirst(4))) }
            }
            return recipients
        }
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    @Test func writesGoOnWithinSecondsOfTheLeaderKilledAndEveryAcknowledgedInvitationIsOnEveryNodeWithItsEmail() async throws {
        let cluster = try Cluster()
        try await cluster.waitUntilReady()
        let first = try await cluster.leader()
        let org = try await cluster.createOrg(via: (first + 1) % 3)
        var acknowledged = Set<String>()
        var number = 0
        /// Sends one invitation to node `index`; whether it was acknowledged.
        func invite(_ index: Int) async -> Bool {
            number += 1
            let email = "person-\(number)@example.org"
            let answer = await cluster.request(index, "POST", "/v1/orgs/\(org)/invitations", body: #"{"email":"\#(email)","role":"viewer"}"#)
            guard answer?.status == 201 else { return false }
            acknowledged.insert(email)
            return true
        }
        // Writes round-robin to all three, then the leader is killed mid-stream.
        for round in 0..<60 { _ = await invite(round % 3) }
        #expect(acknowledged.count == 60)
        // A keyed change answered by the leader…
        let keyed = #"{"email":"keyed@example.org","role":"viewer"}"#
        let firstAnswer = try #require(
            await cluster.request(first, "POST", "/v1/orgs/\(org)/invitations", body: keyed, headers: ["Idempotency-Key: failover-key-1"])
        )
        #expect(firstAnswer.status == 201)
        cluster.process(first).kill()
        let killed = ContinuousClock.now
        var failover: Duration?
        var round = 0
        while acknowledged.count < 120, ContinuousClock.now - killed < .seconds(30) {
            let target = round % 3
            round += 1
            if target == first { continue }
            if await invite(target) {
                failover = failover ?? ContinuousClock.now - killed
            } else {
                try await Task.sleep(for: .milliseconds(20))
            }
        }
        // The target (≤ 3 s with the default lease) is measured by the harness on a quiet
        // machine (Benchmarks/failover.sh); here, beside every other suite, it is only held to
        // "seconds, not the request timeout".
        let measured = try #require(failover, "no write was acknowledged within 30 s of the kill")
        #expect(measured < .seconds(10), "writes were answered again \(measured) after the leader was killed")
        let second = try await cluster.leader(excluding: first)
        #expect(second != first)
        // …and retried on the new leader after the failover: the first answer, not a second change.
        let retried = try #require(
            await cluster.request(second, "POST", "/v1/orgs/\(org)/invitations", body: keyed, headers: ["Idempotency-Key: failover-key-1"])
        )
        #expect(retried.status == 201)
        #expect(retried.head.contains("idempotent-replayed: true"))
        #expect(jsonString(retried.body, "id") == jsonString(firstAnswer.body, "id"))

        // The killed node starts again and rejoins as a follower.
        try cluster.start(first)
        try await cluster.waitUntilReady([first])
        try await Task.sleep(for: .milliseconds(500))
        for index in 0..<3 {
            let listed = try await cluster.listedEmails(org, on: index)
            #expect(acknowledged.isSubset(of: listed), "node-\(index) lacks \(acknowledged.subtracting(listed).sorted().prefix(5))")
        }
        #expect(try await cluster.leader() == second)
        // The cluster view names one leader, the same on every node, and the others follow.
        for index in 0..<3 {
            let view = try #require(await cluster.request(index, "GET", "/v1/cluster"))
            let nodes = try #require((try JSONSerialization.jsonObject(with: view.body) as? [String: Any])?["nodes"] as? [[String: Any]])
            let roles = Dictionary(uniqueKeysWithValues: nodes.map { ($0["name"] as! String, $0["role"] as! String) })
            #expect(roles == ["node-0": "follower", "node-1": "follower", "node-2": "follower"].merging(["node-\(second)": "leader"]) { $1 })
        }
        // Every acknowledged invitation has its email, across the failover.
        let deadline = Date().addingTimeInterval(30)
        var mailed = Set(cluster.mailedRecipients())
        while !acknowledged.isSubset(of: mailed), Date() < deadline {
            try await Task.sleep(for: .milliseconds(200))
            mailed = Set(cluster.mailedRecipients())
        }
        #expect(acknowledged.isSubset(of: mailed), "no email for \(acknowledged.subtracting(mailed).sorted().prefix(5))")
    }

    @Test func aLeaderFrozenPastItsLeaseStepsDownAndNothingItSendsAfterwardsIsAcknowledgedOrLogged() async throws {
        let cluster = try Cluster(count: 2)
        try await cluster.waitUntilReady()
        let frozen = try await cluster.leader()
        let other = 1 - frozen
        let org = try await cluster.createOrg(via: frozen)
        let oldEpoch = try TestPostgres.sql(cluster.database, "SELECT epoch FROM muster_lease")
        cluster.process(frozen).send(SIGSTOP)
        // A write and a read sent to the frozen leader wait in its socket.
        let lateWrite = Task {
            await cluster.request(frozen, "POST", "/v1/orgs/\(org)/invitations", body: #"{"email":"late@example.org","role":"viewer"}"#)
        }
        try await Task.sleep(for: .milliseconds(100))
        // The other node takes over and writes.
        let taken = try await cluster.leader(within: 10, excluding: frozen)
        #expect(taken == other)
        var accepted: Int?
        for _ in 0..<100 where accepted != 201 {
            accepted = await cluster.request(other, "POST", "/v1/orgs/\(org)/invitations", body: #"{"email":"new@example.org","role":"viewer"}"#)?
                .status
            if accepted != 201 { try await Task.sleep(for: .milliseconds(50)) }
        }
        #expect(accepted == 201)
        let newEpoch = try TestPostgres.sql(cluster.database, "SELECT epoch FROM muster_lease")
        #expect(Int(newEpoch)! > Int(oldEpoch)!)
        let oldBatches = try TestPostgres.sql(cluster.database, "SELECT count(*) FROM muster_log WHERE epoch = \(oldEpoch)")

        cluster.process(frozen).send(SIGCONT)
        let late = await lateWrite.value
        // The deposed leader logs nothing more under its epoch…
        try await Task.sleep(for: .seconds(1))
        #expect(try TestPostgres.sql(cluster.database, "SELECT count(*) FROM muster_log WHERE epoch = \(oldEpoch)") == oldBatches)
        // …and answers the late write either by refusing it (it found out it no longer leads)
        // or, once it has started again as a follower, by forwarding it to the new leader,
        // which carries it out: 201, or 503 "may or may not" if the view moved meanwhile. A
        // request the frozen process had not answered when it stopped serving to start again
        // gets no answer at all (its port closes for a moment, as docs/CLUSTER.md says): never
        // acknowledged.
        let lateBody = late.map { String(decoding: $0.body, as: UTF8.self) } ?? ""
        let forwarded = late?.status == 201 || lateBody.contains("may or may not have been carried out")
        #expect(
            late == nil || late?.status == 201 || late?.status == 503,
            "late write: \(late?.status ?? 0) \(lateBody) — \(cluster.output(frozen).suffix(3_000))"
        )
        // It started again as a follower and serves the new leader's state: the late write
        // only where the new leader carried it out. A write that got no answer at all (its
        // connection closed as the process started again) may have been forwarded before it
        // closed: unanswered, like any request whose connection drops, it is neither
        // acknowledged nor known to be refused, and is retried with its `Idempotency-Key`.
        try await cluster.waitUntilReady([frozen])
        let listed = try await cluster.listedEmails(org, on: frozen)
        #expect(listed.contains("new@example.org"))
        if late != nil, !forwarded {
            #expect(!listed.contains("late@example.org"), "a refused write was carried out: \(late?.status ?? 0) \(lateBody)")
        }
        if late?.status == 201 { #expect(listed.contains("late@example.org")) }
        #expect(try await cluster.leader() == other)
        #expect(cluster.output(frozen).contains("starting again as a follower"))
    }

    @Test func aFollowerAnswersEveryReadWithWhatWasAcknowledgedBeforeItAndARevokedKeyFailsOnTheVeryNextRequest() async throws {
        let cluster = try Cluster()
        try await cluster.waitUntilReady()
        let leader = try await cluster.leader()
        let followers = (0..<3).filter { $0 != leader }
        let org = try await cluster.createOrg(via: followers[0])
        for round in 0..<10 {
            // A key made through one follower works on the other at once…
            let made = try await cluster.retrying(
                followers[round % 2],
                "POST",
                "/v1/orgs/\(org)/api-keys",
                body: #"{"name":"k\#(round)","role":"site_admin"}"#
            )
            try #require(made.status == 201, "\(String(decoding: made.body, as: UTF8.self))")
            let key = try #require(jsonString(made.body, "secret") ?? jsonString(made.body, "token"))
            let id = try #require(jsonString(made.body, "id"))
            let other = followers[(round + 1) % 2]
            #expect(await cluster.request(other, "GET", "/v1/orgs/\(org)/members", token: key)?.status == 200)
            // …and once revoked through the leader, fails on a follower on the very next request.
            #expect(await cluster.request(leader, "POST", "/v1/orgs/\(org)/api-keys/\(id)/revoke")?.status == 200)
            #expect(await cluster.request(other, "GET", "/v1/orgs/\(org)/members", token: key)?.status == 401)
        }
        // A write's position, passed as at_least to a follower, is reflected there.
        let invited = try #require(
            await cluster.request(leader, "POST", "/v1/orgs/\(org)/invitations", body: #"{"email":"seen@example.org","role":"viewer"}"#)
        )
        let position = try #require(
            invited.head.split(separator: "\r\n").first { $0.hasPrefix("muster-position:") }.map {
                $0.dropFirst(16).trimmingCharacters(in: .whitespaces)
            }
        )
        let listed = try #require(await cluster.request(followers[1], "GET", "/v1/orgs/\(org)/invitations?limit=10"))
        #expect(String(decoding: listed.body, as: UTF8.self).contains("seen@example.org"))
        #expect(!position.isEmpty)
    }
}

extension ClusterProcessTests {
    @Test func aNewNodeWithAnEmptyDataFolderJoinsFromTheSnapshotAndAnswersWithTheLeadersState() async throws {
        let cluster = try Cluster(count: 4, started: 3, settings: ["--snapshot-every-records", "20"])
        try await cluster.waitUntilReady([0, 1, 2])
        let leader = try await cluster.leader()
        let orgs = [try await cluster.createOrg(via: 0), try await cluster.createOrg(via: 1)]
        var round = 0
        // Changes of every kind, through every node, until snapshots have let compaction drop
        // the log's first rows: the new node cannot have replayed the log from its start.
        func logStart() throws -> Int {
            Int(
                try TestPostgres.sql(cluster.database, "SELECT coalesce(min(first_position), 0) FROM muster_log").trimmingCharacters(
                    in: .whitespacesAndNewlines
                )
            ) ?? 0
        }
        let deadline = Date().addingTimeInterval(60)
        while try logStart() <= 1 {
            try #require(Date() < deadline, "the log was never compacted: \(cluster.output(leader).suffix(3_000))")
            let org = orgs[round % 2]
            let via = round % 3
            let invited = try await cluster.retrying(
                via,
                "POST",
                "/v1/orgs/\(org)/invitations",
                body: #"{"email":"join\#(round)@example.org","role":"viewer"}"#
            )
            try #require(invited.status == 201, "\(String(decoding: invited.body, as: UTF8.self))")
            if round % 4 == 0, let id = jsonString(invited.body, "id") {
                #expect(try await cluster.retrying(via, "POST", "/v1/orgs/\(org)/invitations/\(id)/revoke").status == 200)
            }
            if round % 10 == 0 {
                let key = try await cluster.retrying(via, "POST", "/v1/orgs/\(org)/api-keys", body: #"{"name":"k\#(round)","role":"site_admin"}"#)
                #expect(key.status == 201)
            }
            round += 1
        }

        try cluster.start(3)
        try await cluster.waitUntilReady([3])
        for org in orgs {
            for path in ["", "/members", "/invitations?limit=1000", "/audit?limit=1000", "/events?limit=1000", "/api-keys", "/tenants"] {
                let expected = try #require(await cluster.request(leader, "GET", "/v1/orgs/\(org)\(path)"))
                let joined = try #require(await cluster.request(3, "GET", "/v1/orgs/\(org)\(path)"))
                #expect(expected.status == 200 && joined.status == 200, "\(path)")
                #expect(String(decoding: joined.body, as: UTF8.self) == String(decoding: expected.body, as: UTF8.self), "\(path)")
            }
        }
        // A node is listed once its first heartbeat is written, which can come after it is ready
        // under a loaded run: wait for it (bounded).
        var listed = ""
        for _ in 0..<50 {
            let view = try #require(await cluster.request(3, "GET", "/v1/cluster"))
            listed = String(decoding: view.body, as: UTF8.self)
            if listed.contains(#""name":"node-3""#) { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(listed.contains(#""name":"node-3""#), "\(listed)")
    }

    @Test func aNewLeaderDeliversWebhooksFromWhereTheKilledLeaderStopped() async throws {
        let cluster = try Cluster(settings: ["--webhook-allow-private-networks"])
        // A receiver that writes each event id it is sent on a line of its own.
        let receiverPort = freePort()
        let receivedPath = cluster.folder.path + "/received"
        let receiver = try MusterProcess(
            ["python3", "-c", Self.receiverScript, "\(receiverPort)", receivedPath],
            in: cluster.folder.path,
            executable: "/usr/bin/env"
        )
        defer { receiver.kill() }
        func received() -> [String] {
            ((try? String(contentsOfFile: receivedPath, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        }
        func waitUntilReceived(_ count: Int) async throws {
            let deadline = Date().addingTimeInterval(30)
            while Set(received()).count < count {
                try #require(Date() < deadline, "\(Set(received()).count) of \(count) events arrived: \(receiver.output.suffix(2_000))")
                try await Task.sleep(for: .milliseconds(50))
            }
        }
        try await cluster.waitUntilReady()
        let leader = try await cluster.leader()
        let org = try await cluster.createOrg(via: leader)
        let hook = try await cluster.retrying(
            leader,
            "POST",
            "/v1/orgs/\(org)/webhooks",
            body: #"{"url":"http://127.0.0.1:\#(receiverPort)/hook","event_types":["user.invited"]}"#
        )
        try #require(hook.status == 201, "\(String(decoding: hook.body, as: UTF8.self))")
        func invite(_ count: Int, from first: Int, via node: Int) async throws {
            for index in first..<(first + count) {
                let answer = try await cluster.retrying(
                    node,
                    "POST",
                    "/v1/orgs/\(org)/invitations",
                    body: #"{"email":"hook\#(index)@example.org","role":"viewer"}"#
                )
                try #require(answer.status == 201)
            }
        }
        try await invite(30, from: 0, via: leader)
        try await waitUntilReceived(30)

        cluster.process(leader).kill()
        let next = try await cluster.leader(excluding: leader)
        try await invite(10, from: 30, via: next)
        try await waitUntilReceived(40)
        // Give a wrongly restarted delivery time to show itself.
        try await Task.sleep(for: .seconds(1))
        let all = received()
        #expect(Set(all).count == 40)
        // At most the event whose delivery the killed leader had not yet recorded comes twice;
        // a leader starting from its own empty progress would send all 30 again.
        #expect(all.count - Set(all).count <= 1, "\(all.count - Set(all).count) events arrived twice")
    }

    @Test func aForwardedSignInIsCountedUnderTheClientsAddressAndNoClientCanClaimAnother() async throws {
        let cluster = try Cluster()
        try await cluster.waitUntilReady()
        let leader = try await cluster.leader()
        let follower = (leader + 1) % 3
        var attempt = 0
        // A failed password sign-in for an address nobody has: counted per account (each
        // attempt a new one here) and per client address, 30 to an address.
        func signIn(via node: Int, from source: String, headers: [String] = []) async throws -> Int {
            attempt += 1
            // A 503 (the leader settling, or the machine too loaded to answer a forward in
            // time) is retried after its Retry-After, as a client does; it counted nothing.
            for _ in 0..<50 {
                let answer = try #require(
                    await cluster.request(
                        node,
                        "POST",
                        "/v1/auth/password",
                        body: #"{"email":"nobody\#(attempt)@example.org","password":"wrong horse"}"#,
                        token: nil,
                        headers: headers,
                        source: source
                    )
                )
                guard answer.status == 503 else { return answer.status }
                try await Task.sleep(for: .milliseconds(200))
            }
            return 503
        }
        for _ in 0..<30 { #expect(try await signIn(via: follower, from: "127.0.0.2") == 401) }
        #expect(try await signIn(via: follower, from: "127.0.0.2") == 429)
        // Another client of the same follower is counted under its own address, not the
        // follower's: one client cannot lock every other out.
        #expect(try await signIn(via: follower, from: "127.0.0.3") == 401)
        // The throttled client claims another address, to the follower and to the leader: the
        // follower replaces the claim with its own seal, the leader ignores a seal it cannot verify.
        let now = Int(Date().timeIntervalSince1970)
        let forged = "Muster-Forwarded-For: 127.0.0.4;t=\(now);proof=\(String(repeating: "0", count: 64))"
        #expect(try await signIn(via: follower, from: "127.0.0.2", headers: [forged]) == 429)
        #expect(try await signIn(via: leader, from: "127.0.0.2", headers: [forged]) == 429)
        #expect(try await signIn(via: leader, from: "127.0.0.2", headers: ["Muster-Forwarded-For: 127.0.0.4"]) == 429)
    }

    /// A webhook receiver for ``aNewLeaderDeliversWebhooksFromWhereTheKilledLeaderStopped()``:
    /// `python3 -c SCRIPT PORT FILE`.
    static let receiverScript = """
        import http.server, sys
        out = open(sys.argv[2], "a")
        class Hook(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                out.write(self.headers.get("Muster-Event-Id", "") + "\\n")
                out.flush()
                self.send_response(204)
                self.end_headers()
            def log_message(self, *args):
                pass
        http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Hook).serve_forever()
        """

    /// Answers collected from requests sent in the background.
    final class Answers: Sendable {
        let list = Mutex<[(status: Int, body: Data, head: String)]>([])
    }

    /// A PostgreSQL of one test's own, which it may restart and stop without cutting the
    /// other suites off from theirs.
    final class OwnPostgres: Sendable {
        let folder: String
        let url: String

        init() throws {
            folder = "/tmp/muster-own-postgres-\(UUID().uuidString)"
            url = try TestPostgres.run(TestPostgres.script("postgres-local"), ["start", folder, "\(freePort())"]).trimmingCharacters(
                in: .whitespacesAndNewlines
            )
        }

        func control(_ command: String) throws {
            _ = try TestPostgres.run(
                TestPostgres.script("postgres-local"),
                [command, folder] + (command == "start" ? [String(url.split(separator: ":").last!.split(separator: "/").first!)] : [])
            )
        }

        deinit {
            try? control("stop")
            for path in [folder, folder + ".initdb.log", folder + ".pg_ctl.log"] { try? FileManager.default.removeItem(atPath: path) }
        }
    }

    @Test func postgresRestartedUnderLoadLosesNothingAcknowledgedAndWhileItIsDownNoNodeAnswersFromAStateItCannotConfirm() async throws {
        let postgres = try OwnPostgres()
        let cluster = try Cluster(count: 2, database: postgres.url)
        try await cluster.waitUntilReady()
        var leader = try await cluster.leader()
        let org = try await cluster.createOrg(via: 1 - leader)
        var acknowledged = Set<String>()
        var number = 0
        func invite(_ index: Int) async -> Int? {
            number += 1
            let email = "load-\(number)@example.org"
            let status = await cluster.request(index, "POST", "/v1/orgs/\(org)/invitations", body: #"{"email":"\#(email)","role":"viewer"}"#)?.status
            if status == 201 { acknowledged.insert(email) }
            return status
        }
        // Writes through both nodes while PostgreSQL restarts (every connection cut).
        let restart = Task.detached { try postgres.control("restart") }
        let started = ContinuousClock.now
        while ContinuousClock.now - started < .seconds(6) {
            _ = await invite(Int.random(in: 0...1))
            try await Task.sleep(for: .milliseconds(10))
        }
        try await restart.value
        var resumed = false
        for _ in 0..<200 where !resumed {
            resumed = await invite(Int.random(in: 0...1)) == 201
            if !resumed { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(resumed, "writes did not resume after PostgreSQL restarted: \(cluster.output(leader).suffix(3_000))")
        // The lease may have moved while PostgreSQL was away (a deposed leader starts again).
        try await cluster.waitUntilReady()
        leader = try await cluster.leader()
        let follower = 1 - leader

        // PostgreSQL down: a write is refused with a clear 503 and Retry-After.
        let quiet = try await cluster.createOrg(via: leader)
        try await Task.sleep(for: .milliseconds(300))
        try postgres.control("stop")
        // The first write after the stop may wait for PostgreSQL to come back; the next ones are
        // refused at once.
        let answers = Answers()
        var refusal: (status: Int, body: Data, head: String)?
        for attempt in 0..<40 where refusal == nil {
            Task.detached { [cluster, org, leader] in
                let body = #"{"email":"down-\#(attempt)@example.org","role":"viewer"}"#
                let answer = await cluster.request(leader, "POST", "/v1/orgs/\(org)/invitations", body: body)
                if let answer { answers.list.withLock { $0.append(answer) } }
            }
            try await Task.sleep(for: .milliseconds(250))
            refusal = answers.list.withLock { $0.first { $0.status == 503 } }
        }
        let refused = try #require(
            refusal,
            "no write was refused while PostgreSQL was down: \(answers.list.withLock { $0.map(\.status) }) \(cluster.output(leader).suffix(2_000))"
        )
        #expect(jsonString(refused.body, "code") == "storage_unavailable")
        #expect(refused.head.contains("retry-after: 1"))
        // Reads: no node can confirm that it is current (a partition would look the same, and
        // another node might lead), so each answers 503 at once rather than risk a stale answer
        // — never a hang, and never anything that was not recorded.
        try await Task.sleep(for: .seconds(2))
        for index in [leader, follower] {
            for path in ["/v1/orgs/\(quiet)/invitations?limit=5", "/v1/orgs/\(org)/invitations?limit=1000"] {
                let clock = ContinuousClock.now
                let read = try #require(await cluster.request(index, "GET", path), "node-\(index) did not answer")
                #expect(ContinuousClock.now - clock < .seconds(3))
                #expect(read.status == 503, "node-\(index) answered \(read.status) from a state it could not confirm")
                #expect(jsonString(read.body, "code") == "storage_unavailable")
                #expect(!String(decoding: read.body, as: UTF8.self).contains("down-"))
            }
        }

        // Back: writes resume, and nothing acknowledged is lost on either node.
        try postgres.control("start")
        resumed = false
        for _ in 0..<300 where !resumed {
            resumed = await invite(follower) == 201
            if !resumed { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(resumed, "writes did not resume after PostgreSQL came back")
        try await Task.sleep(for: .milliseconds(500))
        for index in [leader, follower] {
            let listed = try await cluster.listedEmails(org, on: index)
            #expect(acknowledged.isSubset(of: listed), "node-\(index) lacks \(acknowledged.subtracting(listed).sorted().prefix(5))")
        }
    }
}

/// A top-level field of a JSON object, whatever its type.
func jsonValue(_ body: Data, _ key: String) -> Any? {
    (try? JSONSerialization.jsonObject(with: body) as? [String: Any])?[key]
}
