/// The SHA-256 digest of a secret (a magic-link token, a session token, an API key).
///
/// The domain keeps only digests, never the secrets: someone who reads the state or the log
/// cannot sign in with what they find. The four words are stored inline, so a digest costs no
/// allocation and compares as integers.
public struct SecretDigest: Hashable, Sendable {
    public var word0: UInt64
    public var word1: UInt64
    public var word2: UInt64
    public var word3: UInt64

    /// Creates a digest from its four 64-bit words, big-endian order.
    public init(word0: UInt64, word1: UInt64, word2: UInt64, word3: UInt64) {
        self.word0 = word0
        self.word1 = word1
        self.word2 = word2
        self.word3 = word3
    }

    /// Creates a digest from exactly 32 bytes.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == 32 else { return nil }
        if let digest = bytes.withContiguousStorageIfAvailable({ Self(UnsafeRawBufferPointer($0)) }) {
            self = digest
        } else {
            self = Array(bytes).withUnsafeBytes { Self($0) }
        }
    }

    /// Creates a digest from exactly 32 bytes in memory, without copying them anywhere first: a
    /// digest is made for every authenticated request.
    public init?(raw bytes: UnsafeRawBufferPointer) {
        guard bytes.count == 32 else { return nil }
        self.init(bytes)
    }

    private init(_ bytes: UnsafeRawBufferPointer) {
        func word(_ index: Int) -> UInt64 {
            UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: index * 8, as: UInt64.self))
        }
        self.init(word0: word(0), word1: word(1), word2: word(2), word3: word(3))
    }

    /// The 32 bytes, big-endian.
    public var bytes: [UInt8] {
        var result = [UInt8]()
        result.reserveCapacity(32)
        for word in [word0, word1, word2, word3] {
            for shift in stride(from: 56, through: 0, by: -8) {
                result.append(UInt8(truncatingIfNeeded: word >> UInt64(shift)))
            }
        }
        return result
    }
}
