import Logging
import MusterDomain
import MusterEngine
import MusterLog
import NIOCore
import PostgresNIO

/// Everything a cluster keeps in PostgreSQL, as queries: the schema and its migrations, the
/// leader's lease, the log (one row per group-commit batch), snapshots, the side effects'
/// cursors, the nodes' heartbeats and the shared signing key.
///
/// Fencing lives in the append itself: one statement locks the lease row for share, checks
/// that the epoch is still the leader's own, and inserts the batch. A takeover bumps the epoch
/// with an `UPDATE` of that row, which waits for every append holding the lock; an append
/// after it finds the new epoch and inserts nothing. So once another node leads, nothing the
/// old leader sends can reach the log.
package struct ClusterStore: Sendable {
    package let client: PostgresClient
    let logger: Logger

    /// A store over `client`, which the caller runs (`client.run()`).
    package init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger.forPostgres
    }

    // MARK: Schema

    /// The schema, one migration (its statements) per version; a database at version n runs
    /// the ones after it.
    static let migrations: [[String]] = [
        [
            """
            CREATE TABLE muster_lease (
                id integer PRIMARY KEY CHECK (id = 1),
                holder text,
                url text NOT NULL DEFAULT '',
                epoch bigint NOT NULL,
                expires_at timestamptz NOT NULL
            )
            """,
            "INSERT INTO muster_lease (id, holder, epoch, expires_at) VALUES (1, NULL, 0, to_timestamp(0))",
            """
            CREATE TABLE muster_log (
                first_position bigint PRIMARY KEY,
                last_position bigint NOT NULL UNIQUE,
                epoch bigint NOT NULL,
                frame bytea NOT NULL,
                CHECK (last_position >= first_position)
            )
            """,
            "CREATE TABLE muster_snapshots (position bigint PRIMARY KEY, taken_at timestamptz NOT NULL DEFAULT now(), state bytea NOT NULL)",
            "CREATE TABLE muster_cursors (name text PRIMARY KEY, position bigint NOT NULL)",
            """
            CREATE TABLE muster_nodes (
                name text PRIMARY KEY,
                url text NOT NULL,
                role text NOT NULL,
                applied_position bigint NOT NULL,
                last_seen timestamptz NOT NULL
            )
            """,
            "CREATE TABLE muster_secrets (name text PRIMARY KEY, value bytea NOT NULL)",
        ],
        [
            """
            CREATE TABLE muster_idempotency (
                scope text NOT NULL,
                key text NOT NULL,
                at bigint NOT NULL,
                entry bytea NOT NULL,
                PRIMARY KEY (scope, key)
            )
            """,
            "CREATE INDEX muster_idempotency_at ON muster_idempotency (at)",
        ],
        [
            "CREATE TABLE muster_webhook_journal (n bigserial PRIMARY KEY, epoch bigint NOT NULL, entry bytea NOT NULL)"
        ],
    ]

    /// The schema version this build writes.
    package static var schemaVersion: Int { migrations.count }

    /// Brings the schema to this build's version, under an advisory lock so that nodes starting
    /// together migrate once; refuses a database a newer Muster has migrated.
    package func migrate() async throws {
        do {
            try await migrateInTransaction()
        } catch let error as PostgresTransactionError {
            if let refusal = error.closureError as? ClusterSetupError { throw refusal }
            throw error
        }
    }

    private func migrateInTransaction() async throws {
        try await client.withTransaction(logger: logger) { connection in
            try await connection.perform("SELECT pg_advisory_xact_lock(7243015)", logger: logger)
            try await connection.perform("CREATE TABLE IF NOT EXISTS muster_schema (version integer NOT NULL)", logger: logger)
            var version = 0
            for try await found in try await connection.query("SELECT version FROM muster_schema", logger: logger).decode(Int32.self) {
                version = Int(found)
            }
            guard version <= Self.schemaVersion else {
                throw ClusterSetupError(
                    "the database's Muster schema is version \(version); this Muster reads up to \(Self.schemaVersion): upgrade it"
                )
            }
            for migration in Self.migrations.dropFirst(version) {
                for statement in migration { try await connection.perform(PostgresQuery(unsafeSQL: statement), logger: logger) }
            }
            if version == 0 {
                try await connection.perform("INSERT INTO muster_schema (version) VALUES (\(Int32(Self.schemaVersion)))", logger: logger)
            } else if version < Self.schemaVersion {
                try await connection.perform("UPDATE muster_schema SET version = \(Int32(Self.schemaVersion))", logger: logger)
            }
        }
    }

    // MARK: The lease

    /// Who holds the lease, under which epoch, and for how much longer (negative: expired).
    package struct LeaseRow: Sendable, Equatable {
        package var holder: String?
        package var url: String
        package var epoch: Int64
        package var remainingMilliseconds: Int64

        /// The holder's node name (the holder id without its process number).
        package var holderName: String? { holder.map { String($0.prefix { $0 != "#" }) } }
    }

    /// Takes the lease for `node` (a process's own holder id, see ``ClusterNode``) when it is
    /// free or expired, bumping the epoch; the new epoch, or `nil` when it is held. Never before
    /// it expires, not even for a holder of the same name: the holder may still trust it.
    package func acquireLease(node: String, url: String, milliseconds: Int64) async throws -> Int64? {
        let rows = try await client.query(
            """
            UPDATE muster_lease SET holder = \(node), url = \(url), epoch = epoch + 1,
                expires_at = clock_timestamp() + \(milliseconds) * interval '1 millisecond'
            WHERE id = 1 AND (expires_at < clock_timestamp() OR holder IS NULL)
            RETURNING epoch
            """,
            logger: logger
        )
        // Every row is read, even after the first: a sequence left unread holds its connection.
        var won: Int64?
        for try await epoch in rows.decode(Int64.self) { won = epoch }
        return won
    }

    /// Extends the lease `node` holds under `epoch`; false when another node has taken it.
    package func renewLease(node: String, epoch: Int64, milliseconds: Int64) async throws -> Bool {
        let rows = try await client.query(
            """
            UPDATE muster_lease SET expires_at = clock_timestamp() + \(milliseconds) * interval '1 millisecond'
            WHERE id = 1 AND holder = \(node) AND epoch = \(epoch)
            RETURNING epoch
            """,
            logger: logger
        )
        var renewed = false
        for try await _ in rows.decode(Int64.self) { renewed = true }
        return renewed
    }

    /// Gives the lease up at once (a clean stop), so another node need not wait for it to expire.
    package func releaseLease(node: String, epoch: Int64) async throws {
        try await client.perform(
            "UPDATE muster_lease SET expires_at = to_timestamp(0) WHERE id = 1 AND holder = \(node) AND epoch = \(epoch)",
            logger: logger
        )
    }

    /// The lease as it stands.
    package func lease() async throws -> LeaseRow {
        let rows = try await client.query(
            """
            SELECT holder, url, epoch, (extract(epoch FROM (expires_at - clock_timestamp())) * 1000)::bigint
            FROM muster_lease WHERE id = 1
            """,
            logger: logger
        )
        var found: LeaseRow?
        for try await (holder, url, epoch, remaining) in rows.decode((String?, String, Int64, Int64?).self) {
            found = LeaseRow(holder: holder, url: url, epoch: epoch, remainingMilliseconds: remaining ?? -1)
        }
        if let found { return found }
        throw ClusterSetupError("the lease row is missing: the database's Muster schema is damaged")
    }

    // MARK: The log

    /// What an append found.
    package enum AppendOutcome: Sendable, Equatable {
        case appended
        /// The epoch moved on: another node leads, and nothing was written.
        case fenced
    }

    /// Appends one batch (positions `first…last`, as one frame) if `epoch` is still the lease's.
    ///
    /// Safe to send again after a lost answer: if the first attempt committed, the row is
    /// there under this epoch and the retry reports it appended.
    package func append(frame: [UInt8], first: LogPosition, last: LogPosition, epoch: Int64) async throws -> AppendOutcome {
        let bytes = ByteBuffer(bytes: frame)
        do {
            let rows = try await client.query(
                """
                WITH fence AS (SELECT epoch FROM muster_lease WHERE id = 1 AND epoch = \(epoch) FOR SHARE),
                inserted AS (
                    INSERT INTO muster_log (first_position, last_position, epoch, frame)
                    SELECT \(Int64(first)), \(Int64(last)), epoch, \(bytes) FROM fence
                    RETURNING last_position
                )
                SELECT pg_notify('muster_log', last_position::text) FROM inserted
                """,
                logger: logger
            )
            var inserted = false
            for try await _ in rows { inserted = true }
            return inserted ? .appended : .fenced
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23505" {
            // The row exists: this batch committed before (an answer lost), or another leader
            // wrote these positions (then this node was fenced long ago).
            let rows = try await client.query("SELECT epoch FROM muster_log WHERE first_position = \(Int64(first))", logger: logger)
            var mine = false
            for try await found in rows.decode(Int64.self) where found == epoch { mine = true }
            return mine ? .appended : .fenced
        }
    }

    /// One stored batch.
    package struct Batch: Sendable {
        package var first: LogPosition
        package var last: LogPosition
        package var frame: [UInt8]
    }

    /// Up to `limit` batches holding positions after `position`, oldest first.
    package func batches(after position: LogPosition, limit: Int) async throws -> [Batch] {
        let rows = try await client.query(
            """
            SELECT first_position, last_position, frame FROM muster_log
            WHERE last_position > \(Int64(position)) ORDER BY first_position LIMIT \(limit)
            """,
            logger: logger
        )
        var batches = [Batch]()
        for try await (first, last, frame) in rows.decode((Int64, Int64, ByteBuffer).self) {
            batches.append(Batch(first: LogPosition(first), last: LogPosition(last), frame: Array(buffer: frame)))
        }
        return batches
    }

    /// The last position in the log (0 for an empty log).
    package func logEnd() async throws -> LogPosition {
        let rows = try await client.query("SELECT coalesce(max(last_position), 0) FROM muster_log", logger: logger)
        var end: Int64 = 0
        for try await found in rows.decode(Int64.self) { end = found }
        return LogPosition(end)
    }

    /// The first position the log still holds (1 when nothing was ever compacted).
    package func logStart() async throws -> LogPosition {
        let rows = try await client.query("SELECT coalesce(min(first_position), 0) FROM muster_log", logger: logger)
        var start: Int64 = 0
        for try await found in rows.decode(Int64.self) { start = found }
        return start > 0 ? LogPosition(start) : 1
    }

    // MARK: Snapshots

    /// Stores a snapshot's bytes (the snapshot file format) and keeps the newest two.
    package func saveSnapshot(position: LogPosition, bytes: [UInt8]) async throws {
        try await client.withTransaction(logger: logger) { connection in
            try await connection.perform(
                "INSERT INTO muster_snapshots (position, state) VALUES (\(Int64(position)), \(ByteBuffer(bytes: bytes))) ON CONFLICT (position) DO NOTHING",
                logger: logger
            )
            try await connection.perform(
                """
                DELETE FROM muster_snapshots WHERE position < (
                    SELECT min(position) FROM (SELECT position FROM muster_snapshots ORDER BY position DESC LIMIT 2) AS newest)
                """,
                logger: logger
            )
        }
    }

    /// The stored snapshots' positions, newest first.
    package func snapshotPositions() async throws -> [LogPosition] {
        var positions = [LogPosition]()
        let rows = try await client.query("SELECT position FROM muster_snapshots ORDER BY position DESC", logger: logger)
        for try await position in rows.decode(Int64.self) { positions.append(LogPosition(position)) }
        return positions
    }

    /// The bytes of the snapshot at `position`.
    package func snapshot(at position: LogPosition) async throws -> [UInt8]? {
        let rows = try await client.query("SELECT state FROM muster_snapshots WHERE position = \(Int64(position))", logger: logger)
        var bytes: [UInt8]?
        for try await state in rows.decode(ByteBuffer.self) { bytes = Array(buffer: state) }
        return bytes
    }

    /// Deletes the batches wholly at or below `position`.
    package func compact(through position: LogPosition) async throws {
        try await client.perform("DELETE FROM muster_log WHERE last_position <= \(Int64(position))", logger: logger)
    }

    // MARK: Cursors, nodes, secrets

    /// The cursor `name` (0 when it was never saved).
    package func cursor(_ name: String) async throws -> LogPosition {
        let rows = try await client.query("SELECT position FROM muster_cursors WHERE name = \(name)", logger: logger)
        var cursor: Int64 = 0
        for try await position in rows.decode(Int64.self) { cursor = position }
        return LogPosition(cursor)
    }

    /// Saves the cursor `name`; it never moves back.
    package func saveCursor(_ name: String, _ position: LogPosition) async throws {
        try await client.perform(
            """
            INSERT INTO muster_cursors (name, position) VALUES (\(name), \(Int64(position)))
            ON CONFLICT (name) DO UPDATE SET position = greatest(muster_cursors.position, excluded.position)
            """,
            logger: logger
        )
    }

    /// Every cursor, for compaction: the log keeps what the slowest has not consumed.
    package func cursors() async throws -> [String: LogPosition] {
        var cursors = [String: LogPosition]()
        let rows = try await client.query("SELECT name, position FROM muster_cursors", logger: logger)
        for try await (name, position) in rows.decode((String, Int64).self) { cursors[name] = LogPosition(position) }
        return cursors
    }

    /// Keeps the answer to a keyed request (`entry`, as the idempotency store encodes it), made
    /// at `at` (milliseconds since the epoch), for whichever node leads next.
    package func saveAnswer(scope: String, key: String, at: Int64, entry: [UInt8]) async throws {
        try await client.perform(
            """
            INSERT INTO muster_idempotency (scope, key, at, entry) VALUES (\(scope), \(key), \(at), \(ByteBuffer(bytes: entry)))
            ON CONFLICT (scope, key) DO UPDATE SET at = excluded.at, entry = excluded.entry
            """,
            logger: logger
        )
    }

    /// The answers kept since `since` (milliseconds since the epoch), oldest first.
    package func answers(since: Int64) async throws -> [[UInt8]] {
        var entries = [[UInt8]]()
        let rows = try await client.query("SELECT entry FROM muster_idempotency WHERE at >= \(since) ORDER BY at", logger: logger)
        for try await entry in rows.decode(ByteBuffer.self) { entries.append(Array(buffer: entry)) }
        return entries
    }

    /// Deletes the answers made before `before`.
    package func pruneAnswers(before: Int64) async throws {
        try await client.perform("DELETE FROM muster_idempotency WHERE at < \(before)", logger: logger)
    }

    // MARK: Webhook progress

    /// The webhook registry's entries (see ``WebhookRegistry``), oldest first.
    package func webhookEntries() async throws -> [[UInt8]] {
        var entries = [[UInt8]]()
        let rows = try await client.query("SELECT entry FROM muster_webhook_journal ORDER BY n", logger: logger)
        for try await entry in rows.decode(ByteBuffer.self) { entries.append(Array(buffer: entry)) }
        return entries
    }

    /// Appends webhook registry entries, if `epoch` is still the lease's: a deposed leader's
    /// late delivery record never lands after the new leader's. One statement, as an append of
    /// the log is, so the lease row is held for share no longer than the insert takes.
    package func appendWebhookEntries(_ entries: [[UInt8]], epoch: Int64) async throws {
        let rows = entries.map { ByteBuffer(bytes: $0) }
        let answer = try await client.query(
            """
            WITH fence AS (SELECT epoch FROM muster_lease WHERE id = 1 AND epoch = \(epoch) FOR SHARE)
            INSERT INTO muster_webhook_journal (epoch, entry)
            SELECT fence.epoch, entry FROM fence, unnest(\(rows)::bytea[]) WITH ORDINALITY AS e(entry, n) ORDER BY n
            RETURNING 1
            """,
            logger: logger
        )
        var inserted = 0
        for try await _ in answer { inserted += 1 }
        guard inserted == entries.count else { throw Fenced(epoch: epoch) }
    }

    /// Replaces every webhook registry entry with `entries`, if `epoch` is still the lease's:
    /// one statement, which deletes nothing when fenced.
    package func replaceWebhookEntries(_ entries: [[UInt8]], epoch: Int64) async throws {
        let rows = entries.map { ByteBuffer(bytes: $0) }
        let answer = try await client.query(
            """
            WITH fence AS (SELECT epoch FROM muster_lease WHERE id = 1 AND epoch = \(epoch) FOR SHARE),
            deleted AS (DELETE FROM muster_webhook_journal WHERE EXISTS (SELECT 1 FROM fence)),
            inserted AS (
                INSERT INTO muster_webhook_journal (epoch, entry)
                SELECT fence.epoch, entry FROM fence, unnest(\(rows)::bytea[]) WITH ORDINALITY AS e(entry, n) ORDER BY n
            )
            SELECT count(*) FROM fence
            """,
            logger: logger
        )
        var held = false
        for try await count in answer.decode(Int64.self) { held = count > 0 }
        guard held else { throw Fenced(epoch: epoch) }
    }

    /// A write refused because `epoch` no longer leads.
    package struct Fenced: Error, CustomStringConvertible {
        package var epoch: Int64
        package var description: String { "epoch \(epoch) no longer leads" }
    }

    /// A node's heartbeat.
    package struct NodeRow: Sendable, Equatable {
        package var name: String
        package var url: String
        package var role: String
        package var appliedPosition: LogPosition
        /// Milliseconds since the node was last heard of.
        package var silentMilliseconds: Int64
        /// When, in ISO 8601.
        package var lastSeen: String
    }

    /// Records that `name` is alive, in `role`, having applied through `applied`.
    package func heartbeat(name: String, url: String, role: String, applied: LogPosition) async throws {
        try await client.perform(
            """
            INSERT INTO muster_nodes (name, url, role, applied_position, last_seen)
            VALUES (\(name), \(url), \(role), \(Int64(applied)), clock_timestamp())
            ON CONFLICT (name) DO UPDATE SET url = excluded.url, role = excluded.role,
                applied_position = excluded.applied_position, last_seen = excluded.last_seen
            """,
            logger: logger
        )
    }

    /// The lowest position applied by a node heard of within `milliseconds`: compaction keeps
    /// what a live follower still has to read.
    package func slowestLiveNode(within milliseconds: Int64) async throws -> LogPosition? {
        let rows = try await client.query(
            """
            SELECT min(applied_position) FROM muster_nodes
            WHERE last_seen > clock_timestamp() - \(milliseconds) * interval '1 millisecond'
            """,
            logger: logger
        )
        var slowest: Int64?
        for try await found in rows.decode(Int64?.self) { slowest = found }
        return slowest.map(LogPosition.init)
    }

    /// Every node that has ever sent a heartbeat.
    package func nodes() async throws -> [NodeRow] {
        var nodes = [NodeRow]()
        let rows = try await client.query(
            """
            SELECT name, url, role, applied_position,
                (extract(epoch FROM (clock_timestamp() - last_seen)) * 1000)::bigint,
                to_char(last_seen AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
            FROM muster_nodes ORDER BY name
            """,
            logger: logger
        )
        for try await (name, url, role, applied, silent, seen) in rows.decode((String, String, String, Int64, Int64, String).self) {
            nodes.append(NodeRow(name: name, url: url, role: role, appliedPosition: LogPosition(applied), silentMilliseconds: silent, lastSeen: seen))
        }
        return nodes
    }

    /// The secret `name`, made by `make` and stored by the first node that asks: every node
    /// of a cluster signs and checks links with the same key.
    package func sharedSecret(_ name: String, make: () -> [UInt8]) async throws -> [UInt8] {
        let candidate = ByteBuffer(bytes: make())
        try await client.perform(
            "INSERT INTO muster_secrets (name, value) VALUES (\(name), \(candidate)) ON CONFLICT (name) DO NOTHING",
            logger: logger
        )
        let rows = try await client.query("SELECT value FROM muster_secrets WHERE name = \(name)", logger: logger)
        var secret: [UInt8]?
        for try await value in rows.decode(ByteBuffer.self) { secret = Array(buffer: value) }
        if let secret { return secret }
        throw ClusterSetupError("the shared secret \(name) could not be stored")
    }
}

extension PostgresClient {
    /// Runs `query` and reads its answer to the end: an answer left unread keeps its
    /// connection from going back to the pool.
    func perform(_ query: PostgresQuery, logger: Logger) async throws {
        for try await _ in try await self.query(query, logger: logger) {}
    }
}

extension PostgresConnection {
    /// Runs `query` and reads its answer to the end.
    func perform(_ query: PostgresQuery, logger: Logger) async throws {
        for try await _ in try await self.query(query, logger: logger) {}
    }
}

extension Logger {
    /// This logger for postgres-nio, never below the debug level: at trace, postgres-nio writes
    /// every message the server sends, rows included — and a row of `muster_secrets` is the
    /// cluster's signing secret.
    var forPostgres: Logger {
        var capped = self
        if capped.logLevel < .debug { capped.logLevel = .debug }
        return capped
    }
}
