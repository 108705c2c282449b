/// What the state and the log keep of a magic link: the digest of its token, and the random
/// nonce it was signed over.
///
/// The nonce alone grants nothing: a token is the nonce and ids signed with the server's
/// secret, which is never logged. Keeping the nonce lets the email outbox rebuild the very
/// token it must deliver after a restart, without the token itself ever being stored.
public struct LinkSeal: Hashable, Sendable {
    /// SHA-256 of the token text: what an incoming token is checked against.
    public var digest: SecretDigest
    /// The random part of the signed payload.
    public var nonce: Identifier<LinkSeal>

    /// Creates a seal.
    public init(digest: SecretDigest, nonce: Identifier<LinkSeal>) {
        self.digest = digest
        self.nonce = nonce
    }
}
