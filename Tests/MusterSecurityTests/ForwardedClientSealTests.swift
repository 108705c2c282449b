import Testing

@testable import MusterSecurity

/// The address a node vouches for when it forwards a request to the leader: only the cluster
/// can seal one, and a seal fits one request for a short time.
struct ForwardedClientSealTests {
    private let cluster = ForwardedClientSeal(secret: Array("the cluster's shared signing key, 64 bytes long in real life".utf8))
    private let now: Int64 = 1_800_000_000

    @Test func theLeaderReadsTheAddressTheForwardingNodeSealed() {
        let sealed = cluster.seal(address: "203.0.113.9", method: "POST", target: "/v1/auth/password", at: now)
        #expect(cluster.open(sealed, method: "POST", target: "/v1/auth/password", now: now + 2) == "203.0.113.9")
        let v6 = cluster.seal(address: "2001:db8::1", method: "POST", target: "/console/login?next=%2F", at: now)
        #expect(cluster.open(v6, method: "POST", target: "/console/login?next=%2F", now: now) == "2001:db8::1")
    }

    @Test func aSealMadeWithAnotherKeyIsIgnored() {
        let attacker = ForwardedClientSeal(secret: Array("a key the attacker made up".utf8))
        let forged = attacker.seal(address: "198.51.100.7", method: "POST", target: "/v1/auth/password", at: now)
        #expect(cluster.open(forged, method: "POST", target: "/v1/auth/password", now: now) == nil)
    }

    @Test func aSealMovedToAnotherRequestOrAddressIsIgnored() {
        let sealed = cluster.seal(address: "203.0.113.9", method: "POST", target: "/v1/auth/password", at: now)
        #expect(cluster.open(sealed, method: "POST", target: "/v1/auth/link", now: now) == nil)
        #expect(cluster.open(sealed, method: "PUT", target: "/v1/auth/password", now: now) == nil)
        let swapped = "198.51.100.7" + sealed.drop { $0 != ";" }
        #expect(cluster.open(String(swapped), method: "POST", target: "/v1/auth/password", now: now) == nil)
    }

    @Test func aStaleOrFutureSealIsIgnored() {
        let sealed = cluster.seal(address: "203.0.113.9", method: "POST", target: "/v1/auth/password", at: now)
        #expect(cluster.open(sealed, method: "POST", target: "/v1/auth/password", now: now + ForwardedClientSeal.tolerance) != nil)
        #expect(cluster.open(sealed, method: "POST", target: "/v1/auth/password", now: now + ForwardedClientSeal.tolerance + 1) == nil)
        #expect(cluster.open(sealed, method: "POST", target: "/v1/auth/password", now: now - ForwardedClientSeal.tolerance - 1) == nil)
    }

    @Test(arguments: [
        "", "203.0.113.9", "203.0.113.9;t=1800000000", ";t=1800000000;proof=00", "203.0.113.9;t=soon;proof=00",
        "203.0.113.9;t=1800000000;proof=", "203.0.113.9;t=1800000000;proof=zz;extra", "203.0.113.9;proof=00;t=1800000000",
        // Times at the ends of the range, which must not overflow the check.
        "1;t=-9223372036854775808;proof=", "1;t=9223372036854775807;proof=",
    ])
    func aMalformedClaimIsIgnored(claim: String) {
        #expect(cluster.open(claim, method: "POST", target: "/v1/auth/password", now: now) == nil)
    }
}
