import MusterDomain
import Testing

@testable import MusterSecurity

@Suite struct LinkTokenTests {
    let signer = LinkTokenSigner(secret: Array(repeating: 7, count: 32))

    @Test func aSignedTokenVerifiesAndCarriesItsTarget() throws {
        let orgID = OrganisationID.random()
        let invitationID = InvitationID.random()
        let (token, seal) = signer.sign(LinkToken(purpose: .invitation, orgID: orgID, target: invitationID, nonce: .random()))
        let content = try signer.verify(token)
        #expect(content.purpose == .invitation)
        #expect(content.orgID == orgID)
        #expect(content.target() == invitationID)
        #expect(seal.nonce == content.nonce)
        #expect(signer.proof(of: token, content) == LinkProof(nonce: seal.nonce, digest: SecretDigest(of: token)))
    }

    @Test func theSameContentSignsToTheSameTokenSoTheOutboxCanRebuildIt() {
        let content = LinkToken(purpose: .collaborator, orgID: .random(), target: CollaboratorID.random(), nonce: .random())
        #expect(signer.sign(content).token == signer.sign(content).token)
    }

    @Test func everyAlteredByteIsRefused() throws {
        let (token, _) = signer.sign(LinkToken(purpose: .signIn, orgID: .random(), target: SignInLinkID.random(), nonce: .random()))
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        var characters = Array(token)
        for index in 4..<characters.count where characters[index] != "." {
            let original = characters[index]
            characters[index] = alphabet.first { $0 != original }!
            #expect(throws: DomainError.self, "altering character \(index) went unnoticed") { try signer.verify(String(characters)) }
            characters[index] = original
        }
    }

    @Test func forgedTruncatedAndMalformedTokensAreRefused() throws {
        let (token, _) = signer.sign(LinkToken(purpose: .invitation, orgID: .random(), target: InvitationID.random(), nonce: .random()))
        let otherSigner = LinkTokenSigner(secret: Array(repeating: 8, count: 32))
        let (forged, _) = otherSigner.sign(try signer.verify(token))
        for bad in [
            forged, String(token.dropLast()), String(token.dropLast(10)), "", "mk1.", "mk1..", token + "A", "mk2" + token.dropFirst(3),
            String(repeating: "a", count: 300),
        ] {
            do {
                _ = try signer.verify(bad)
                Issue.record("accepted \(bad)")
            } catch {
                #expect(error.code == .tokenInvalid)
            }
        }
    }

    @Test func base64URLRoundTripsAndRefusesNonCanonicalText() {
        for length in 0..<40 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            #expect(Base64URL.decode(Base64URL.encode(bytes)) == bytes)
        }
        #expect(Base64URL.decode("A") == nil)
        #expect(Base64URL.decode("AB==") == nil)
        #expect(Base64URL.decode("AQ") == [1])
        #expect(Base64URL.decode("AB") == nil, "leftover bits must be zero")
    }
}
