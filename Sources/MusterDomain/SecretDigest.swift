/// The digest of a secret (a session token, an API key): the first 128 bits of its SHA-256.
///
/// The domain keeps only digests, never the secrets: someone who reads the state or the log
/// cannot sign in with what they find. The secrets digested here are at least 256 random bits,
/// so 128 bits of digest leave finding a matching secret at 2¹²⁸ tries while halving what every
/// session and key costs in memory, in the log and in snapshots. The two words are stored
/// inline, so a digest costs no allocation and compares as integers.
public struct SecretDigest: Hashable, Sendable {
    public var word0: UInt64
    public var word1: UInt64

    /// A name for the secret that may be shown (a session's id in `GET /v1/me/sessions`): the
    /// two words folded into one, so it neither authenticates nor gives the digest back.
    public var handle: UInt64 { word0 ^ word1 }

    /// The hash a table files the digest under (see ``RandomKeyHash``): a SHA-256 digest of a
    /// secret the server made, so its bits are random whoever presents it.
    @inlinable
    public func _rawHashValue(seed: Int) -> Int {
        RandomKeyHash.mix(word0, word1, seed: seed)
    }

    /// Creates a digest from its two 64-bit words, big-endian order.
    public init(word0: UInt64, word1: UInt64) {
        self.word0 = word0
        self.word1 = word1
    }

    /// Creates a digest from the first 16 bytes of a SHA-256 digest in memory (`nil` if there
    /// are fewer), without copying them anywhere first: a digest is made for every
    /// authenticated request. A whole 32-byte digest (as format 1 of the log kept them) gives
    /// the same value as its first half.
    public init?(raw bytes: UnsafeRawBufferPointer) {
        guard bytes.count >= 16 else { return nil }
        func word(_ index: Int) -> UInt64 {
            UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: index * 8, as: UInt64.self))
        }
        self.init(word0: word(0), word1: word(1))
    }

    /// The 16 bytes, big-endian.
    public var bytes: [UInt8] {
        var result = [UInt8]()
        result.reserveCapacity(16)
        for word in [word0, word1] {
            for shift in stride(from: 56, through: 0, by: -8) {
                result.append(UInt8(truncatingIfNeeded: word >> UInt64(shift)))
            }
        }
        return result
    }
}
