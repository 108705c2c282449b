import Foundation
import HTTPTypes
import Hummingbird
import MusterDomain
import MusterLog

/// Remembers the first answer to each POST that carried an `Idempotency-Key`, durably, for at
/// least ``retention``, so that a retry gets that answer instead of a second change.
///
/// Before the change runs, a reservation is journaled; after a successful change, its answer.
/// A refusal changes nothing, so its reservation is released and a retry may run again. A key
/// whose reservation survived a crash without an answer is answered with
/// `idempotency_outcome_unknown`: the change may or may not have happened, and guessing
/// either way could apply it twice or lose it.
actor IdempotencyStore {
    /// How long answers are kept.
    static let retention = Span.hours(24)

    private enum Slot {
        /// Running now, in this process.
        case running(fingerprint: String)
        /// Reserved before a restart that lost the answer.
        case interrupted(fingerprint: String, at: Timestamp)
        case completed(Stored)
    }

    /// One journal entry.
    private struct Entry: Codable {
        var kind: String  // "reserve", "complete", "release"
        var scope: String
        var key: String
        var fingerprint: String?
        var at: Int64
        var status: Int?
        var contentType: String?
        var headers: [[String]]?
        var body: Data?
        /// For an answer that showed a secret: the record it created; the answer is not kept.
        var secretOf: String?
    }

    struct Stored: Sendable {
        var fingerprint: String
        var at: Timestamp
        var response: APIResponse
    }

    private struct Key: Hashable {
        var scope: String
        var key: String
    }

    private var slots: [Key: Slot] = [:]
    private let journal: Journal?

    /// A store that keeps answers in memory only (tests and data-less runs).
    init() {
        journal = nil
    }

    /// Opens the store on its journal, keeping what is younger than the retention and
    /// compacting the file to just that.
    init(path: String, now: Timestamp) throws {
        let (journal, payloads) = try Journal.open(path: path)
        self.journal = journal
        let decoder = JSONDecoder()
        let horizon = now.adding(Span(milliseconds: -Self.retention.milliseconds)).millisecondsSinceEpoch
        var kept = [Key: Entry]()
        var order = [Key]()
        for payload in payloads {
            guard let entry = try? decoder.decode(Entry.self, from: Data(payload)), entry.at >= horizon else { continue }
            let key = Key(scope: entry.scope, key: entry.key)
            switch entry.kind {
            case "release": kept[key] = nil
            default:
                if kept[key] == nil { order.append(key) }
                kept[key] = entry
            }
        }
        var live = [[UInt8]]()
        let encoder = JSONEncoder()
        for key in order {
            guard let entry = kept[key] else { continue }
            if entry.kind == "complete", let status = entry.status {
                var response = APIResponse(
                    status: .init(code: status), contentType: entry.contentType ?? "application/json",
                    extraHeaders: (entry.headers ?? []).compactMap { $0.count == 2 ? ($0[0], $0[1]) : nil }, body: Array(entry.body ?? Data())
                )
                response.secretOf = entry.secretOf
                slots[key] = .completed(Stored(fingerprint: entry.fingerprint ?? "", at: Timestamp(millisecondsSinceEpoch: entry.at), response: response))
            } else {
                slots[key] = .interrupted(fingerprint: entry.fingerprint ?? "", at: Timestamp(millisecondsSinceEpoch: entry.at))
            }
            if let bytes = try? encoder.encode(entry) { live.append(Array(bytes)) }
        }
        try journal.rewrite(live)
    }

    /// What to do with a request carrying `key`.
    enum Decision: Sendable {
        /// Run it; then call ``complete`` or ``release``.
        case run
        /// Answer with the stored first answer.
        case replay(APIResponse)
    }

    /// Reserves `key` for a request, or says how to answer it without running it.
    func begin(scope: String, key: String, fingerprint: String, now: Timestamp) async throws -> Decision {
        let slotKey = Key(scope: scope, key: key)
        switch slots[slotKey] {
        case .running(let first):
            guard first == fingerprint else { throw Self.mismatch(key) }
            throw Problem(.conflict, code: "idempotency_key_in_use", "a request with Idempotency-Key \"\(key)\" is still running; retry after it has answered")
        case .interrupted(let first, _):
            guard first == fingerprint else { throw Self.mismatch(key) }
            throw Problem(
                .conflict, code: "idempotency_outcome_unknown",
                "the first request with Idempotency-Key \"\(key)\" was interrupted by a restart before it answered; it may or may not have been applied — check the resource, then retry with a new key"
            )
        case .completed(let stored):
            guard stored.fingerprint == fingerprint else { throw Self.mismatch(key) }
            return .replay(stored.response)
        case nil:
            slots[slotKey] = .running(fingerprint: fingerprint)
            do {
                try await write(Entry(kind: "reserve", scope: scope, key: key, fingerprint: fingerprint, at: now.millisecondsSinceEpoch))
            } catch {
                slots[slotKey] = nil
                throw error
            }
            return .run
        }
    }

    /// Keeps `response` as the answer to `key`. An answer that showed a secret is kept only as
    /// the record it created, never its body, in memory or in the journal.
    func complete(scope: String, key: String, fingerprint: String, response: APIResponse, now: Timestamp) async throws {
        var kept = response
        if response.secretOf != nil {
            kept.body = []
            kept.extraHeaders = []
        }
        slots[Key(scope: scope, key: key)] = .completed(Stored(fingerprint: fingerprint, at: now, response: kept))
        try await write(
            Entry(
                kind: "complete", scope: scope, key: key, fingerprint: fingerprint, at: now.millisecondsSinceEpoch, status: kept.status.code,
                contentType: kept.contentType, headers: kept.extraHeaders.map { [$0.0, $0.1] }, body: Data(kept.body), secretOf: kept.secretOf
            )
        )
    }

    /// Forgets `key` after a refusal (which changed nothing), so a retry runs again.
    func release(scope: String, key: String, now: Timestamp) async {
        slots[Key(scope: scope, key: key)] = nil
        try? await write(Entry(kind: "release", scope: scope, key: key, at: now.millisecondsSinceEpoch))
    }

    /// Drops answers older than the retention from memory (the journal is compacted at the
    /// next start).
    func prune(now: Timestamp) {
        let horizon = now.adding(Span(milliseconds: -Self.retention.milliseconds))
        slots = slots.filter { _, slot in
            switch slot {
            case .running: true
            case .interrupted(_, let at): at >= horizon
            case .completed(let stored): stored.at >= horizon
            }
        }
    }

    private func write(_ entry: Entry) async throws {
        guard let journal else { return }
        try await journal.append(Array(try JSONEncoder().encode(entry)))
    }

    private static func mismatch(_ key: String) -> Problem {
        Problem(
            .unprocessableContent, code: "idempotency_key_reused",
            "Idempotency-Key \"\(key)\" was already used for a different request; use a new key for a new request")
    }
}
