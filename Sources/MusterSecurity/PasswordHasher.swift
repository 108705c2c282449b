import Crypto
import MusterDomain
import _CryptoExtras

/// Slow salted password hashes: PBKDF2-HMAC-SHA256 in the PHC string form
/// `$pbkdf2-sha256$i=<rounds>$<salt>$<hash>` (base64url).
///
/// Hashing is deliberately slow, so the engine calls it outside any actor. The round count is
/// part of each hash, so raising it later keeps old hashes verifiable.
public struct PasswordHasher: Sendable {
    /// The rounds for new hashes (OWASP's 2023 figure for PBKDF2-HMAC-SHA256 is 600,000).
    public var rounds: Int

    /// The shortest password a person may choose.
    public static let minimumLength = 10
    /// The longest password accepted, bounding the work one request can ask for.
    public static let maximumLength = 256

    /// Creates a hasher for new hashes at `rounds`.
    public init(rounds: Int = 600_000) {
        precondition(rounds >= 1)
        self.rounds = rounds
    }

    /// A new hash of `password` with a fresh random salt.
    public func hash(_ password: String) -> String {
        let salt = SecureRandom.bytes(16)
        let derived = Self.derive(password, salt: salt, rounds: rounds)
        return "$pbkdf2-sha256$i=\(rounds)$\(Base64URL.encode(salt))$\(Base64URL.encode(derived))"
    }

    /// Whether `password` matches `stored`; `false` for a malformed hash as well.
    public func verify(_ password: String, against stored: String) -> Bool {
        let parts = stored.split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count == 5, parts[0].isEmpty, parts[1] == "pbkdf2-sha256", parts[2].hasPrefix("i="),
            let rounds = Int(parts[2].dropFirst(2)), (1...10_000_000).contains(rounds),
            let salt = Base64URL.decode(parts[3]), let expected = Base64URL.decode(parts[4]), expected.count == 32
        else { return false }
        guard password.utf8.count <= Self.maximumLength else { return false }
        let derived = Self.derive(password, salt: salt, rounds: rounds)
        // Constant-time comparison: no early exit on the first differing byte.
        return zip(derived, expected).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// The one rule for a password a person chooses, in the words the page, the API's refusal
    /// and the docs all use.
    public static let rule = "at least \(minimumLength) characters and at most \(maximumLength) bytes"

    /// Refuses a password a person chose that is too short or too long.
    public static func checkChosen(_ password: String) throws(DomainError) {
        guard password.count >= minimumLength, password.utf8.count <= maximumLength else {
            throw .validation("a password needs \(rule); this one has \(password.count) characters")
        }
    }

    private static func derive(_ password: String, salt: [UInt8], rounds: Int) -> [UInt8] {
        let key = try! KDF.Insecure.PBKDF2.deriveKey(
            from: Array(password.utf8),
            salt: salt,
            using: .sha256,
            outputByteCount: 32,
            unsafeUncheckedRounds: rounds
        )
        return key.withUnsafeBytes { Array($0) }
    }
}
