import Crypto
import MusterDomain

/// A magic-link token's content: what the link is for, which record it names, and the nonce
/// that makes it unique. The text form is `mk1.<payload>.<signature>`, both parts base64url,
/// the signature an HMAC-SHA256 of the payload under the server secret.
public struct LinkToken: Hashable, Sendable {
    /// What a link does when it is used.
    public enum Purpose: UInt8, Sendable, Hashable, CaseIterable {
        /// Accepts an invitation to become a member.
        case invitation = 1
        /// Activates a collaborator's assignment and signs them in.
        case collaborator = 2
        /// Signs an existing user in.
        case signIn = 3
    }

    public var purpose: Purpose
    /// The org the record belongs to (zero for sign-in links, which are global).
    public var orgID: OrganisationID
    /// The invitation, collaborator row or sign-in link the token names.
    public var targetHigh: UInt64
    public var targetLow: UInt64
    public var nonce: Identifier<LinkSeal>

    /// Creates a token's content.
    public init<Target>(purpose: Purpose, orgID: OrganisationID, target: Identifier<Target>, nonce: Identifier<LinkSeal>) {
        self.purpose = purpose
        self.orgID = orgID
        self.targetHigh = target.high
        self.targetLow = target.low
        self.nonce = nonce
    }

    /// The named record as an identifier of the kind the purpose implies.
    public func target<Target>(as _: Identifier<Target>.Type = Identifier<Target>.self) -> Identifier<Target> {
        Identifier(high: targetHigh, low: targetLow)
    }

    static let prefix = "mk1."
    static let payloadLength = 1 + 16 * 3

    var payload: [UInt8] {
        var bytes = [UInt8]()
        bytes.reserveCapacity(Self.payloadLength)
        bytes.append(purpose.rawValue)
        for word in [orgID.high, orgID.low, targetHigh, targetLow, nonce.high, nonce.low] {
            for shift in stride(from: 56, through: 0, by: -8) {
                bytes.append(UInt8(truncatingIfNeeded: word >> UInt64(shift)))
            }
        }
        return bytes
    }

    init?(payload bytes: [UInt8]) {
        guard bytes.count == Self.payloadLength, let purpose = Purpose(rawValue: bytes[0]) else { return nil }
        var words = [UInt64](repeating: 0, count: 6)
        for index in 0..<48 {
            words[index / 8] = words[index / 8] << 8 | UInt64(bytes[1 + index])
        }
        self.purpose = purpose
        self.orgID = OrganisationID(high: words[0], low: words[1])
        self.targetHigh = words[2]
        self.targetLow = words[3]
        self.nonce = Identifier(high: words[4], low: words[5])
    }
}

/// Signs and verifies magic-link tokens with the server secret.
///
/// A token is never stored; its nonce is logged so that the outbox can sign the same token
/// again for delivery, and the state recognises the current link by it. Verification checks the format and the signature in
/// constant time; whether the token is still the current, unused one is the state's to say.
public struct LinkTokenSigner: Sendable {
    // The raw secret: `SymmetricKey` is not `Sendable` in this swift-crypto, and building one
    // from 32 bytes per call costs next to nothing beside the HMAC itself.
    private let secret: [UInt8]

    /// Creates a signer; the secret must have at least 32 bytes.
    public init(secret: [UInt8]) {
        precondition(secret.count >= 32, "the server secret must have at least 32 bytes")
        self.secret = secret
    }

    var key: SymmetricKey { SymmetricKey(data: secret) }

    /// The token text for `content`, and the seal the state keeps of it.
    public func sign(_ content: LinkToken) -> (token: String, seal: LinkSeal) {
        let payload = content.payload
        let signature = HMAC<SHA256>.authenticationCode(for: payload, using: key)
        let token = LinkToken.prefix + Base64URL.encode(payload) + "." + Base64URL.encode(Array(signature))
        return (token, LinkSeal(nonce: content.nonce))
    }

    /// The content of a token that this server signed, or `token_invalid` for anything forged,
    /// altered, truncated or malformed.
    public func verify(_ token: String) throws(DomainError) -> LinkToken {
        let invalid = DomainError(.tokenInvalid, "this link is not valid; it may have been altered or copied incompletely")
        guard token.utf8.count < 256, token.hasPrefix(LinkToken.prefix) else { throw invalid }
        let parts = token.dropFirst(LinkToken.prefix.count).split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let payload = Base64URL.decode(parts[0]), let signature = Base64URL.decode(parts[1]) else { throw invalid }
        guard HMAC<SHA256>.isValidAuthenticationCode(signature, authenticating: payload, using: key) else { throw invalid }
        guard let content = LinkToken(payload: payload) else { throw invalid }
        return content
    }

    /// What a verified `token` with `content` proves, for the state to check against the
    /// record's current link.
    public func proof(of token: String, _ content: LinkToken) -> LinkProof {
        LinkProof(nonce: content.nonce, digest: SecretDigest(of: token))
    }
}
