/// What the log keeps of a magic link: the random nonce its token was signed over.
///
/// The nonce alone grants nothing: a token is the nonce and ids signed with the server's
/// secret, which is never logged. Keeping the nonce lets the email outbox rebuild the very
/// token it must deliver after a restart, without the token itself ever being stored; and it
/// is what the state checks a presented link against (``LinkCheck``), once the link's
/// signature has been verified.
public struct LinkSeal: Hashable, Sendable {
    /// The random part of the signed payload.
    public var nonce: Identifier<LinkSeal>

    /// Creates a seal.
    public init(nonce: Identifier<LinkSeal>) {
        self.nonce = nonce
    }
}

/// What a presented magic link proves once the engine has verified its signature: the nonce
/// it was signed over, and the digest of its text (for links issued before nonces were kept).
public struct LinkProof: Hashable, Sendable {
    /// The nonce in the link's signed payload.
    public var nonce: Identifier<LinkSeal>
    /// The digest of the link's whole text.
    public var digest: SecretDigest

    /// Creates a proof. The engine makes one only from a token whose signature it verified
    /// (`LinkTokenSigner.proof(of:_:)`); tests and benchmarks make their own.
    public init(nonce: Identifier<LinkSeal>, digest: SecretDigest) {
        self.nonce = nonce
        self.digest = digest
    }
}

/// How a record recognises the one link that may be used on it now.
///
/// Both cases are 16 bytes, so an optional check costs a row 17 bytes.
public enum LinkCheck: Hashable, Sendable {
    /// The nonce of the current link: every link issued by this version.
    case nonce(Identifier<LinkSeal>)
    /// The digest of the current link's text: a link issued before nonces were kept in the
    /// state, restored from a format-1 snapshot.
    case digest(SecretDigest)

    /// The check for a link sealed with `seal`.
    public init(_ seal: LinkSeal) {
        self = .nonce(seal.nonce)
    }

    /// Whether `proof` is of the current link. The link's signature is verified before it gets
    /// here, so matching the nonce proves it is this record's current link, not an older one.
    public func admits(_ proof: LinkProof) -> Bool {
        switch self {
        case .nonce(let nonce): nonce == proof.nonce
        case .digest(let digest): digest == proof.digest
        }
    }
}
