import Crypto
import Foundation
import Testing

@testable import MusterSecurity

@Suite("Idempotent requests' fingerprints")
struct RequestFingerprintTests {
    let body = Array(#"{"current_password": "correct horse", "new_password": "battery staple"}"#.utf8)

    @Test("A fingerprint tells a retry from a different request, and is keyed: without the server secret it cannot be recomputed from a guessed body")
    func aFingerprintIsKeyedByTheServerSecret() {
        let signer = LinkTokenSigner(secret: Array(repeating: 7, count: 32))
        let other = LinkTokenSigner(secret: Array(repeating: 8, count: 32))
        let fingerprint = signer.requestFingerprint(method: "POST", path: "/v1/auth/password/change", body: body)
        #expect(fingerprint == signer.requestFingerprint(method: "POST", path: "/v1/auth/password/change", body: body))
        #expect(fingerprint != signer.requestFingerprint(method: "POST", path: "/v1/auth/password/change", body: body + [0x20]))
        #expect(fingerprint != signer.requestFingerprint(method: "POST", path: "/v1/auth/password/other", body: body))
        #expect(fingerprint != other.requestFingerprint(method: "POST", path: "/v1/auth/password/change", body: body))
        // The attacker's guess: the plain digest of what the request would have been.
        let plain = SHA256.hash(data: Array("POST".utf8) + [0] + Array("/v1/auth/password/change".utf8) + [0] + body)
        #expect(fingerprint != plain.map { String(format: "%02x", $0) }.joined())
        #expect(fingerprint.count == 64 && fingerprint.allSatisfy(\.isHexDigit))
    }
}
