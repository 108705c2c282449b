import MusterEngine
import MusterLog
import MusterStorage
import MusterTestSupport
import Testing

@testable import MusterCluster

/// The database's side of the cluster against a real PostgreSQL: the schema, the lease, and the
/// fencing that keeps a deposed leader's batches out of the log.
@Suite(.serialized) struct ClusterStoreTests {
    static func frame(_ first: LogPosition, count: Int = 1) -> [UInt8] {
        Frame.encode(batch: Array(repeating: LogRecord.directory([]).encoded(), count: count), firstPosition: first)
    }

    @Test func migratingTwiceChangesNothingAndANewerSchemaIsRefused() async throws {
        let database = try TestDatabase()
        try await database.withStore { store in
            try await store.migrate()
            #expect(try await store.lease().epoch == 0)
        }
        _ = try TestPostgres.sql(database.url, "UPDATE muster_schema SET version = 99")
        await #expect(throws: ClusterSetupError.self) {
            try await database.withStore { _ in () }
        }
    }

    @Test func oneNodeHoldsTheLeaseUntilItExpiresAndEachTakeoverBumpsTheEpoch() async throws {
        let database = try TestDatabase()
        try await database.withStore { store in
            #expect(try await store.acquireLease(node: "a", url: "http://a", milliseconds: 400) == 1)
            #expect(try await store.acquireLease(node: "b", url: "http://b", milliseconds: 400) == nil)
            // Not even a holder of the same name takes it before it expires (a process restarted
            // while the old one, cut off, may still trust it).
            #expect(try await store.acquireLease(node: "a", url: "http://a", milliseconds: 400) == nil)
            #expect(try await store.renewLease(node: "a", epoch: 1, milliseconds: 400))
            try await Task.sleep(for: .milliseconds(500))
            // Expired: b takes it, and a's renewal fails from then on.
            #expect(try await store.acquireLease(node: "b", url: "http://b", milliseconds: 60_000) == 2)
            #expect(try await !store.renewLease(node: "a", epoch: 1, milliseconds: 400))
            let lease = try await store.lease()
            #expect(lease.holder == "b" && lease.url == "http://b" && lease.epoch == 2 && lease.remainingMilliseconds > 50_000)
            // A clean stop gives it up at once.
            try await store.releaseLease(node: "b", epoch: 2)
            #expect(try await store.acquireLease(node: "c", url: "http://c", milliseconds: 400) == 3)
        }
    }

    @Test func aBatchFromAnEpochThatHasBeenTakenOverNeverReachesTheLog() async throws {
        let database = try TestDatabase()
        try await database.withStore { store in
            let old = try #require(try await store.acquireLease(node: "a", url: "http://a", milliseconds: 60_000))
            #expect(try await store.append(frame: Self.frame(1), first: 1, last: 1, epoch: old) == .appended)
            // b takes over (a was paused past its lease; here the lease is released to skip the wait).
            try await store.releaseLease(node: "a", epoch: old)
            let new = try #require(try await store.acquireLease(node: "b", url: "http://b", milliseconds: 60_000))
            // a wakes and sends its next batch: fenced, and nothing of it is stored.
            #expect(try await store.append(frame: Self.frame(2, count: 3), first: 2, last: 4, epoch: old) == .fenced)
            #expect(try await store.logEnd() == 1)
            #expect(try await store.append(frame: Self.frame(2), first: 2, last: 2, epoch: new) == .appended)
            // a's batch at a position b has written is refused too.
            #expect(try await store.append(frame: Self.frame(2), first: 2, last: 2, epoch: old) == .fenced)
            let batches = try await store.batches(after: 0, limit: 10)
            #expect(batches.map(\.first) == [1, 2])
            #expect(
                try TestPostgres.sql(database.url, "SELECT string_agg(epoch::text, ',' ORDER BY first_position) FROM muster_log") == "\(old),\(new)"
            )
        }
    }

    @Test func aBatchSentAgainAfterItsAnswerWasLostIsAppendedOnce() async throws {
        let database = try TestDatabase()
        try await database.withStore { store in
            let epoch = try #require(try await store.acquireLease(node: "a", url: "http://a", milliseconds: 60_000))
            #expect(try await store.append(frame: Self.frame(1, count: 2), first: 1, last: 2, epoch: epoch) == .appended)
            #expect(try await store.append(frame: Self.frame(1, count: 2), first: 1, last: 2, epoch: epoch) == .appended)
            #expect(try TestPostgres.sql(database.url, "SELECT count(*) FROM muster_log") == "1")
            let records = try Frame.decodeRecords(try await store.batches(after: 0, limit: 10)[0].frame)
            #expect(records.map(\.position) == [1, 2])
        }
    }

    @Test func theNewestTwoSnapshotsAreKeptAndCompactionDeletesWhatTheyCover() async throws {
        let database = try TestDatabase()
        try await database.withStore { store in
            let epoch = try #require(try await store.acquireLease(node: "a", url: "http://a", milliseconds: 60_000))
            for position in LogPosition(1)...6 {
                #expect(try await store.append(frame: Self.frame(position), first: position, last: position, epoch: epoch) == .appended)
            }
            for position: LogPosition in [2, 4, 5] { try await store.saveSnapshot(position: position, bytes: [UInt8(position)]) }
            #expect(try await store.snapshotPositions() == [5, 4])
            #expect(try await store.snapshot(at: 4) == [4])
            try await store.compact(through: 4)
            #expect(try await store.logStart() == 5)
            #expect(try await store.batches(after: 0, limit: 10).map(\.first) == [5, 6])
        }
    }

    @Test func aDeposedLeadersWebhookProgressNeverLandsAfterTheNewLeaders() async throws {
        let database = try TestDatabase()
        try await database.withStore { store in
            let old = try #require(try await store.acquireLease(node: "a", url: "http://a", milliseconds: 60_000))
            try await store.appendWebhookEntries([[1], [2]], epoch: old)
            try await store.releaseLease(node: "a", epoch: old)
            let new = try #require(try await store.acquireLease(node: "b", url: "http://b", milliseconds: 60_000))
            // a, deposed, records a late delivery and compacts: both refused, nothing written.
            await #expect(throws: ClusterStore.Fenced.self) { try await store.appendWebhookEntries([[3]], epoch: old) }
            await #expect(throws: ClusterStore.Fenced.self) { try await store.replaceWebhookEntries([], epoch: old) }
            #expect(try await store.webhookEntries() == [[1], [2]])
            // b takes the entries up and carries on.
            try await store.replaceWebhookEntries([[9]], epoch: new)
            try await store.appendWebhookEntries([[10], [11]], epoch: new)
            #expect(try await store.webhookEntries() == [[9], [10], [11]])
        }
    }

    @Test func cursorsNeverMoveBack() async throws {
        let database = try TestDatabase()
        try await database.withStore { store in
            #expect(try await store.cursor("outbox") == 0)
            try await store.saveCursor("outbox", 10)
            try await store.saveCursor("outbox", 7)
            #expect(try await store.cursor("outbox") == 10)
        }
    }

    @Test func everyNodeGetsTheSameSharedSecret() async throws {
        let database = try TestDatabase()
        let first = try await database.withStore(node: "a") { store in try await store.sharedSecret("signing-key") { [1, 2, 3] } }
        let second = try await database.withStore(node: "b") { store in try await store.sharedSecret("signing-key") { [9, 9, 9] } }
        #expect(first == [1, 2, 3] && second == first)
    }
}

/// Connection strings: what is read from them, and a clear refusal for each kind of mistake.
@Suite struct PostgresAddressTests {
    @Test func aFullURLIsReadWithItsPercentEncodedPassword() throws {
        let address = try PostgresAddress(parsing: "postgres://muster:p%40ss@db.example.org:6543/cases?sslmode=require")
        #expect(address.user == "muster" && address.password == "p@ss" && address.host == "db.example.org" && address.port == 6543)
        #expect(address.database == "cases" && address.requireTLS && address.socketFolder == nil)
        // The password never appears in what is logged.
        #expect(!address.description.contains("p@ss") && !address.description.contains("p%40ss"))
    }

    @Test func aUnixSocketFolderAndTheDefaultPort() throws {
        let address = try PostgresAddress(parsing: "postgresql://muster@/cases?host=/var/run/postgresql")
        #expect(address.socketFolder == "/var/run/postgresql" && address.port == 5432 && !address.requireTLS)
    }

    @Test(arguments: [
        "mysql://u@h/db", "postgres://h/db", "postgres://u@h/", "postgres://u@h:5432", "postgres://u@h/db?sslmode=prefer",
        "postgres://u@h/db?application=x", "not a url", "postgres://u@/db",
    ])
    func aMalformedURLIsRefusedWithAReason(url: String) {
        #expect(throws: ClusterSetupError.self) { try PostgresAddress(parsing: url) }
    }
}
