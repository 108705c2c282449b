import Crypto
import MusterDomain

extension SecretDigest {
    /// The SHA-256 digest of a secret's text, as the state keeps it.
    public init(of secret: some StringProtocol) {
        let digest = SHA256.hash(data: Array(secret.utf8))
        self.init(bytes: Array(digest))!
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
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }

    /// A random nonce for a magic link.
    public static func nonce() -> Identifier<LinkSeal> {
        .random()
    }

    /// A temporary password a person can type: 16 characters from an alphabet without the
    /// look-alikes 0/O and 1/l/I.
    public static func temporaryPassword() -> String {
        let alphabet = Array("abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<16).map { _ in alphabet.randomElement(using: &generator)! })
    }
}
