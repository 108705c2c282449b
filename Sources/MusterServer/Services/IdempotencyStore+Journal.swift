import Foundation
import HTTPTypes
import MusterDomain
import MusterEngine
import MusterLog
import MusterStorage

extension IdempotencyStore {
    /// One entry of the idempotency journal, in its binary layout:
    ///
    /// ```
    /// entry     = 0x01 u8(kind) body
    /// answer    = kind 1: string(scope) string(key) string(fingerprint) signed(at, ms)
    ///             u16(status) string(content type) varint(n) (string(name) string(value))^n
    ///             bytes(body) optional string(secret of) u64(watermark)
    /// watermark = kind 2: u64(position)
    /// unknown   = kind 3: string(scope) string(key) string(fingerprint) signed(at, ms)
    /// lost      = kind 4: string(scope) string(key) string(fingerprint) signed(at, ms)
    /// ```
    ///
    /// A *lost* entry says a keyed change is in the log but a crash lost its answer; it is
    /// written at the restart that finds the mark, before the watermark passes it.
    ///
    /// An *unknown* entry keeps, across rewrites, a reservation of the earlier layout that
    /// never got its answer.
    ///
    /// Entries of the earlier layout (JSON objects: a reservation before each change, its answer
    /// after, or its release) are still read, so an upgrade keeps the last day's answers.
    enum JournalEntry {
        /// A successful request's answer and the watermark when it was written.
        struct Answer {
            var scope: String
            var key: String
            var stored: Stored
            var watermark: LogPosition

            var at: Int64 { stored.at.millisecondsSinceEpoch }
        }

        case answer(Answer)
        case watermark(LogPosition)
        /// A request of the earlier layout began and its outcome was never written.
        case reservation(scope: String, key: String, fingerprint: String, at: Int64)
        /// A keyed change was made, but a crash lost its answer.
        case lost(scope: String, key: String, fingerprint: String, at: Int64)
        /// Of the earlier layout only: a refused request gave its key back.
        case released(scope: String, key: String)

        private static let binaryLayout: UInt8 = 0x01

        /// The watermark the entry records (0 for the earlier layout's entries).
        var watermark: LogPosition {
            switch self {
            case .answer(let answer): answer.watermark
            case .watermark(let position): position
            case .reservation, .lost, .released: 0
            }
        }

        /// The entry's bytes.
        var encoded: [UInt8] {
            var writer = BinaryWriter(capacity: 128)
            writer.u8(Self.binaryLayout)
            switch self {
            case .answer(let answer):
                writer.u8(1)
                writer.string(answer.scope)
                writer.string(answer.key)
                writer.string(answer.stored.fingerprint)
                writer.timestamp(answer.stored.at)
                let response = answer.stored.response
                writer.u16(UInt16(response.status.code))
                writer.string(response.contentType)
                writer.varint(UInt64(response.extraHeaders.count))
                for (name, value) in response.extraHeaders {
                    writer.string(name)
                    writer.string(value)
                }
                writer.byteRun(response.body)
                writer.optionalString(response.secretOf)
                writer.u64(answer.watermark)
            case .watermark(let position):
                writer.u8(2)
                writer.u64(position)
            case .reservation(let scope, let key, let fingerprint, let at), .lost(let scope, let key, let fingerprint, let at):
                if case .lost = self { writer.u8(4) } else { writer.u8(3) }
                writer.string(scope)
                writer.string(key)
                writer.string(fingerprint)
                writer.timestamp(Timestamp(millisecondsSinceEpoch: at))
            case .released:
                preconditionFailure("a release is read from the earlier layout, never written")
            }
            return writer.bytes
        }

        /// Reads an entry of either layout; `nil` for one it cannot read.
        init?(_ payload: [UInt8]) {
            guard let first = payload.first else { return nil }
            if first == UInt8(ascii: "{") {
                self.init(legacy: payload)
                return
            }
            guard first == Self.binaryLayout else { return nil }
            var reader = BinaryReader(payload, from: 1)
            do throws(LogError) {
                switch try reader.u8() {
                case 1:
                    let scope = try reader.string()
                    let key = try reader.string()
                    let fingerprint = try reader.string()
                    let at = try reader.timestamp()
                    let status = Int(try reader.u16())
                    let contentType = try reader.string()
                    let headerCount = try reader.count(limit: 64)
                    var headers = [(String, String)]()
                    for _ in 0..<headerCount { headers.append((try reader.string(), try reader.string())) }
                    var response = APIResponse(
                        status: .init(code: status),
                        contentType: contentType,
                        extraHeaders: headers,
                        body: try reader.byteRun()
                    )
                    response.secretOf = try reader.optionalString()
                    let watermark = try reader.u64()
                    guard reader.isAtEnd else { return nil }
                    self = .answer(
                        Answer(scope: scope, key: key, stored: Stored(fingerprint: fingerprint, at: at, response: response), watermark: watermark)
                    )
                case 2:
                    let position = try reader.u64()
                    guard reader.isAtEnd else { return nil }
                    self = .watermark(position)
                case let kind where kind == 3 || kind == 4:
                    let scope = try reader.string()
                    let key = try reader.string()
                    let fingerprint = try reader.string()
                    let at = try reader.timestamp().millisecondsSinceEpoch
                    guard reader.isAtEnd else { return nil }
                    self =
                        kind == 3
                        ? .reservation(scope: scope, key: key, fingerprint: fingerprint, at: at)
                        : .lost(scope: scope, key: key, fingerprint: fingerprint, at: at)
                default:
                    return nil
                }
            } catch {
                return nil
            }
        }

        /// The earlier layout: one JSON object per entry.
        private init?(legacy payload: [UInt8]) {
            struct Legacy: Decodable {
                var kind: String
                var scope: String
                var key: String
                var fingerprint: String?
                var at: Int64
                var status: Int?
                var contentType: String?
                var headers: [[String]]?
                var body: Data?
                var secretOf: String?
            }
            guard let entry = try? JSONDecoder().decode(Legacy.self, from: Data(payload)) else { return nil }
            switch entry.kind {
            case "release":
                self = .released(scope: entry.scope, key: entry.key)
            case "complete":
                guard let status = entry.status else { return nil }
                var response = APIResponse(
                    status: .init(code: status),
                    contentType: entry.contentType ?? "application/json",
                    extraHeaders: (entry.headers ?? []).compactMap { $0.count == 2 ? ($0[0], $0[1]) : nil },
                    body: Array(entry.body ?? Data())
                )
                response.secretOf = entry.secretOf
                let stored = Stored(fingerprint: entry.fingerprint ?? "", at: Timestamp(millisecondsSinceEpoch: entry.at), response: response)
                self = .answer(Answer(scope: entry.scope, key: entry.key, stored: stored, watermark: 0))
            default:
                self = .reservation(scope: entry.scope, key: entry.key, fingerprint: entry.fingerprint ?? "", at: entry.at)
            }
        }
    }
}
