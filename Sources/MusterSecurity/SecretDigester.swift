import Crypto
import MusterDomain

extension SecretDigest {
    /// The SHA-256 digest of a secret's text, as the state keeps it.
    public init(of secret: some StringProtocol) {
        var hasher = SHA256()
        var text = String(secret)
        text.withUTF8 { hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }
        self = hasher.finalize().withUnsafeBytes { SecretDigest(raw: $0)! }
    }
}

/// Random secrets for bearer tokens, API keys and temporary passwords.
public enum RandomSecret {
    /// A random token of `byteCount` bytes from the system's secure generator, base64url
    /// encoded, after `prefix`.
    public static func token(prefix: String, byteCount: Int = 32) -> String {
        prefix + Base64URL.encode(bytes(byteCount))
    }

    /// `count` random bytes from the system's secure generator (a signing key, say).
    public static func bytes(_ count: Int) -> [UInt8] {
        SecureRandom.bytes(count)
    }

    /// A new nonce for a magic link: time-ordered, with 74 random bits (the link's signature,
    /// not the nonce, is what cannot be forged).
    public static func nonce() -> Identifier<LinkSeal> {
        .timeOrdered()
    }

    /// A temporary password a person can type: 16 characters from an alphabet without the
    /// look-alikes 0/O and 1/l/I.
    public static func temporaryPassword() -> String {
        let alphabet = Array("abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        var generator = SecureRandom()
        return String((0..<16).map { _ in alphabet.randomElement(using: &generator)! })
    }
}
