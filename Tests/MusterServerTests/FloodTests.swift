import Foundation
import HTTPTypes
import MusterDomain
import MusterEngine
import MusterSecurity
import Synchronization
import Testing

@testable import MusterDelivery
@testable import MusterJSON
@testable import MusterServer

/// How many requests have come back.
private final class Finished: Sendable {
    let count = Atomic<Int>(0)
}

@Suite("Floods of sign-ins and links")
struct FloodTests {
    @Test("After 10 wrong passwords an account waits 15 minutes, even with the right one; an unknown email is treated the same")
    func wrongPasswordsLockTheAccountForAWhile() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let org = try await api.org()
            let created = try await api.post("/v1/orgs/\(org)/users", token: api.admin, #"{"email": "target@example.org", "role": "caseworker"}"#)
            let password = try #require(created.json["temporary_password"]?.string)
            for email in ["target@example.org", "nobody@example.org"] {
                for attempt in 1...10 {
                    let wrong = try await api.post("/v1/auth/password", #"{"email": "\#(email)", "password": "guess-\#(attempt)-guess"}"#)
                    #expect(wrong.code == "invalid_credentials", "\(email) attempt \(attempt): \(wrong.text)")
                }
                let locked = try await api.post("/v1/auth/password", #"{"email": "\#(email)", "password": "\#(password)"}"#)
                #expect(locked.status == 429, "\(email): \(locked.text)")
                #expect(locked.code == "rate_limited")
                #expect(locked.headers[.retryAfter].flatMap(Int.init).map { (1...900).contains($0) } == true, "\(locked.headers)")
            }
            // Another account is not affected by the first one's lock.
            #expect(
                try await api.post("/v1/auth/password", #"{"email": "other@example.org", "password": "guess-guess-guess"}"#).code
                    == "invalid_credentials"
            )

            fixture.clock.advance(by: .minutes(15))
            let after = try await api.post("/v1/auth/password", #"{"email": "target@example.org", "password": "\#(password)"}"#)
            #expect(after.status == 200, "the window has passed: \(after.text)")
        }
    }

    @Test("Guessing the current password of a stolen session is throttled too")
    func changePasswordGuessesAreThrottled() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let org = try await api.org()
            let created = try await api.post("/v1/orgs/\(org)/users", token: api.admin, #"{"email": "change@example.org", "role": "caseworker"}"#)
            let password = try #require(created.json["temporary_password"]?.string)
            let session = try #require(
                try await api.post("/v1/auth/password", #"{"email": "change@example.org", "password": "\#(password)"}"#).json["session_token"]?.string
            )
            for attempt in 1...10 {
                let body = #"{"current_password": "guess-\#(attempt)-guess", "new_password": "a-new-long-passphrase"}"#
                #expect(try await api.post("/v1/auth/password/change", token: session, body).code == "invalid_credentials")
            }
            let locked = try await api.post(
                "/v1/auth/password/change",
                token: session,
                #"{"current_password": "\#(password)", "new_password": "a-new-long-passphrase"}"#
            )
            #expect(locked.status == 429)
        }
    }

    @Test("At most 5 sign-in links an hour go to one email; further requests get the same answer and no email")
    func signInLinksAreLimitedPerEmail() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let org = try await api.org()
            _ = try await api.member(org, "flooded@example.org", role: "viewer")
            let before = fixture.transport.delivered.count
            var answers = Set<String>()
            for _ in 1...8 {
                let reply = try await api.post("/v1/auth/magic-link", #"{"email": "flooded@example.org"}"#)
                #expect(reply.status == 202)
                answers.insert(reply.text)
            }
            #expect(answers.count == 1, "every answer is the same")
            for _ in 0..<50 {
                await fixture.parts.outboxService.deliverDue()
                if fixture.transport.delivered.count - before >= 5 { break }
                try await Task.sleep(for: .milliseconds(10))
            }
            try await Task.sleep(for: .milliseconds(100))
            await fixture.parts.outboxService.deliverDue()
            let links = fixture.transport.delivered.dropFirst(before).filter { $0.to == "flooded@example.org" && $0.kind == "sign_in_link" }
            #expect(links.count == 5)

            fixture.clock.advance(by: .hours(1))
            #expect(try await api.post("/v1/auth/magic-link", #"{"email": "flooded@example.org"}"#).status == 202)
            for _ in 0..<50 where fixture.transport.delivered.dropFirst(before).filter({ $0.to == "flooded@example.org" }).count < 6 {
                await fixture.parts.outboxService.deliverDue()
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(fixture.transport.delivered.dropFirst(before).filter { $0.to == "flooded@example.org" }.count == 6, "a new hour, a new link")
        }
    }

    @Test("Failures are counted per client address as well, and a success clears only the account")
    func failuresAreCountedPerAddress() {
        var limits = SignInLimits()
        limits.failuresPerAccount = 3
        limits.failuresPerAddress = 5
        let throttle = SignInThrottle(limits: limits)
        let now = Timestamp(millisecondsSinceEpoch: 1_000_000)
        let address = SignInThrottle.Key.address("203.0.113.9")
        // Spraying many accounts from one address: each account stays under its limit.
        for index in 0..<5 {
            let account = SignInThrottle.Key.account(try! EmailAddress("user\(index)@example.org"))
            #expect(throttle.retryAfter([account, address], at: now) == nil)
            throttle.record([account, address], at: now)
        }
        let fresh = SignInThrottle.Key.account(try! EmailAddress("fresh@example.org"))
        #expect(throttle.retryAfter([fresh, address], at: now) == 900, "the address is over its limit")
        #expect(throttle.retryAfter([fresh, .address("198.51.100.1")], at: now) == nil, "another address is not")
        let user0 = SignInThrottle.Key.account(try! EmailAddress("user0@example.org"))
        throttle.clear(user0)
        #expect(throttle.retryAfter([address], at: now.adding(.minutes(10))) == 300, "clearing an account leaves the address counted")
        #expect(throttle.retryAfter([address], at: now.adding(.minutes(15))) == nil)
    }

    @Test("A storm of 24 concurrent password sign-ins leaves /healthz and the rest of the API answering while the hashes run")
    func aSignInStormLeavesTheServerAnswering() async throws {
        // The real cost per hash (600,000 rounds), so that the storm lasts seconds.
        let fixture = try ServerFixture(passwordRounds: PasswordHasher().rounds)
        try await fixture.run { api in
            let org = try await api.org()
            let finished = Finished()
            let storm = (0..<24).map { index in
                Task {
                    defer { finished.count.add(1, ordering: .sequentiallyConsistent) }
                    return try await api.post("/v1/auth/password", #"{"email": "storm-\#(index)@example.org", "password": "not-the-password"}"#).code
                }
            }
            while fixture.engine.hashing.pending == 0 { try await Task.sleep(for: .milliseconds(1)) }
            #expect(try await api.get("/healthz").status == 200)
            #expect(try await api.get("/v1/orgs/\(org)", token: api.admin).status == 200)
            #expect(try await api.post("/v1/orgs/\(org)/tenants", token: api.admin, #"{"name": "During the storm"}"#).status == 201)
            let stillHashing = fixture.engine.hashing.pending
            #expect(
                stillHashing > 0 || finished.count.load(ordering: .sequentiallyConsistent) < 24,
                "the other requests were answered while sign-ins still waited for their hashes"
            )
            for task in storm { #expect(try await task.value == "invalid_credentials") }
        }
    }

    @Test("The sweep removes expired sessions and sign-in links")
    func theSweepRemovesExpiredSessionsAndLinks() async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let org = try await api.org()
            let member = try await api.member(org, "sweep@example.org", role: "viewer")
            _ = try await api.post("/v1/auth/magic-link", #"{"email": "sweep@example.org"}"#)
            _ = try await api.linkToken(to: "sweep@example.org")
            let engine = fixture.engine
            let before = await engine.directoryState()
            #expect(before.sessions.count >= 1 && before.signInLinks.count == 1)
            fixture.clock.advance(by: .hours(13))
            #expect(await fixture.parts.sweep.sweepOnce() >= 0)
            let after = await engine.directoryState()
            #expect(after.sessions.isEmpty, "every session has expired")
            #expect(after.signInLinks.isEmpty)
            #expect(try await api.get("/v1/me", token: member.token).status == 401)
        }
    }
}
