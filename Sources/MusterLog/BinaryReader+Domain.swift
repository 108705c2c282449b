import MusterDomain
import MusterStorage

extension BinaryReader {
    /// A reader of bytes written in this version's format.
    package init(_ bytes: [UInt8], from start: Int = 0, to end: Int? = nil) {
        self.init(bytes, from: start, to: end, format: EventCodec.version)
    }

    package mutating func id<Tag>(_: Identifier<Tag>.Type = Identifier<Tag>.self) throws(LogError) -> Identifier<Tag> {
        Identifier(high: try u64(), low: try u64())
    }

    package mutating func optionalID<Tag>(_: Identifier<Tag>.Type = Identifier<Tag>.self) throws(LogError) -> Identifier<Tag>? {
        try bool() ? try id() : nil
    }

    package mutating func timestamp() throws(LogError) -> Timestamp { Timestamp(millisecondsSinceEpoch: try signed()) }

    package mutating func optionalTimestamp() throws(LogError) -> Timestamp? {
        try bool() ? try timestamp() : nil
    }

    /// A digest: 16 bytes, or in format 1 the whole 32-byte SHA-256, of which the first 16
    /// are kept (what ``SecretDigest`` is now).
    package mutating func digest() throws(LogError) -> SecretDigest {
        let digest = SecretDigest(word0: try u64(), word1: try u64())
        if format == 1 { _ = (try u64(), try u64()) }
        return digest
    }

    /// A time written by ``BinaryWriter/timestamp(_:after:)`` relative to `base`; format 1
    /// wrote it whole.
    package mutating func timestamp(after base: Timestamp) throws(LogError) -> Timestamp {
        guard format >= 2 else { return try timestamp() }
        let (sum, overflow) = base.millisecondsSinceEpoch.addingReportingOverflow(try signed())
        guard !overflow else { throw .malformed("a time out of range") }
        return Timestamp(millisecondsSinceEpoch: sum)
    }

    package mutating func optionalDigest() throws(LogError) -> SecretDigest? {
        try bool() ? try digest() : nil
    }
}
