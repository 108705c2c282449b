import MusterDomain
import MusterStorage

extension BinaryWriter {
    package mutating func id<Tag>(_ value: Identifier<Tag>) {
        u64(value.high)
        u64(value.low)
    }

    package mutating func optionalID<Tag>(_ value: Identifier<Tag>?) { optional(value) { $0.id($1) } }

    package mutating func timestamp(_ value: Timestamp) { signed(value.millisecondsSinceEpoch) }

    package mutating func optionalTimestamp(_ value: Timestamp?) { optional(value) { $0.timestamp($1) } }

    /// A time as its difference from `base`, a time it usually follows closely (an expiry
    /// after the event's own time): the same few bytes for every event, which compress.
    package mutating func timestamp(_ value: Timestamp, after base: Timestamp) {
        signed(value.millisecondsSinceEpoch &- base.millisecondsSinceEpoch)
    }

    package mutating func digest(_ value: SecretDigest) {
        u64(value.word0)
        u64(value.word1)
    }

    package mutating func optionalDigest(_ value: SecretDigest?) { optional(value) { $0.digest($1) } }
}
