import Foundation

extension MailOutbox {
    /// What happened to an email, as one journal entry.
    enum EntryKind: UInt8 {
        case queued, delivered, failed, abandoned
    }

    /// One line of the outbox journal.
    ///
    /// Written in a small binary form: a format byte (1), the kind, then length-prefixed
    /// UTF-8 strings and little-endian integers — one entry costs a few allocations, where
    /// Foundation's JSON coder cost most of an invitation's CPU. Journals written before it,
    /// in JSON (whose first byte is always `{`), are still read.
    struct Entry {
        var kind: EntryKind
        var id: String
        var message: MailMessage?
        var attempts: Int?
        var nextAttemptAt: Int64?
        var error: String?

        private static let binaryFormat: UInt8 = 1

        /// The entry's journal payload.
        func encoded() -> [UInt8] {
            var bytes = [Self.binaryFormat, kind.rawValue]
            bytes.reserveCapacity(64 + (message.map { $0.text.utf8.count + $0.subject.utf8.count } ?? 0))
            Self.append(id, to: &bytes)
            Self.append(Int64(attempts ?? 0), to: &bytes)
            Self.append(nextAttemptAt ?? 0, to: &bytes)
            Self.append(error ?? "", to: &bytes)
            if let message {
                bytes.append(1)
                for field in [message.id, message.kind, message.to, message.subject, message.text] { Self.append(field, to: &bytes) }
                Self.append(message.queuedAt, to: &bytes)
            } else {
                bytes.append(0)
            }
            return bytes
        }

        /// Decodes a payload of either form; `nil` for one that is neither (it is skipped).
        static func decode(_ payload: [UInt8]) -> Entry? {
            guard let first = payload.first else { return nil }
            if first == UInt8(ascii: "{") { return try? JSONDecoder().decode(JSONEntry.self, from: Data(payload)).entry }
            guard first == binaryFormat else { return nil }
            var reader = Reader(bytes: payload, offset: 1)
            guard let kind = reader.byte().flatMap(EntryKind.init(rawValue:)), let id = reader.string(), let attempts = reader.integer(),
                let nextAttemptAt = reader.integer(), let error = reader.string(), let hasMessage = reader.byte()
            else { return nil }
            var entry = Entry(kind: kind, id: id, attempts: Int(attempts), nextAttemptAt: nextAttemptAt, error: error.isEmpty ? nil : error)
            if hasMessage == 1 {
                guard let messageID = reader.string(), let messageKind = reader.string(), let to = reader.string(), let subject = reader.string(),
                    let text = reader.string(), let queuedAt = reader.integer()
                else { return nil }
                entry.message = MailMessage(id: messageID, kind: messageKind, to: to, subject: subject, text: text, queuedAt: queuedAt)
            }
            return reader.offset == payload.count ? entry : nil
        }

        private static func append(_ value: Int64, to bytes: inout [UInt8]) {
            withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
        }

        private static func append(_ text: String, to bytes: inout [UInt8]) {
            var text = text
            text.withUTF8 { utf8 in
                append(Int64(utf8.count), to: &bytes)
                bytes.append(contentsOf: utf8)
            }
        }
    }

    /// An entry as journals before the binary form wrote it.
    private struct JSONEntry: Decodable {
        var kind: String
        var id: String
        var message: MailMessage?
        var attempts: Int?
        var nextAttemptAt: Int64?
        var error: String?

        var entry: Entry? {
            let kinds: [String: EntryKind] = ["queued": .queued, "delivered": .delivered, "failed": .failed, "abandoned": .abandoned]
            return kinds[kind].map { Entry(kind: $0, id: id, message: message, attempts: attempts, nextAttemptAt: nextAttemptAt, error: error) }
        }
    }

    /// Reads what ``Entry/encoded()`` wrote, answering `nil` past the end.
    private struct Reader {
        let bytes: [UInt8]
        var offset: Int

        mutating func byte() -> UInt8? {
            guard offset < bytes.count else { return nil }
            defer { offset += 1 }
            return bytes[offset]
        }

        mutating func integer() -> Int64? {
            guard offset + 8 <= bytes.count else { return nil }
            var value: Int64 = 0
            for index in (0..<8).reversed() { value = value << 8 | Int64(bytes[offset + index]) }
            offset += 8
            return value
        }

        mutating func string() -> String? {
            guard let length = integer(), length >= 0, offset + Int(length) <= bytes.count else { return nil }
            defer { offset += Int(length) }
            return String(decoding: bytes[offset..<offset + Int(length)], as: UTF8.self)
        }
    }
}
