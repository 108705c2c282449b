import MusterDomain
import Synchronization
import Testing

@testable import MusterEngine

/// How many password checks ran.
private final class CheckCount: Sendable {
    let value = Atomic<Int>(0)
}

/// The sign-in throttle against an attacker who sends every guess at once, or from every
/// address of an IPv6 network.
@Suite struct SignInThrottleTests {
    private static let now = Timestamp(millisecondsSinceEpoch: 1_796_464_800_000)

    @Test func guessesSentAllAtOnceRunNoMoreChecksThanTheLimit() async {
        let throttle = SignInThrottle(limits: SignInLimits())
        let account = SignInThrottle.Key.account(try! EmailAddress("target@example.org"))
        let checks = CheckCount()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<50 {
                group.addTask {
                    _ = try? await throttle.checked([account], at: Self.now) { () async throws -> Bool in
                        checks.value.add(1, ordering: .relaxed)
                        // The password hash: slow enough that every guess is in flight at once.
                        try await Task.sleep(for: .milliseconds(50))
                        throw DomainError(.invalidCredentials, "wrong password")
                    }
                }
            }
        }
        #expect(checks.value.load(ordering: .relaxed) == SignInLimits().failuresPerAccount)
    }

    @Test func aRightPasswordOrAnotherRefusalDoesNotCountAsAFailure() async throws {
        let throttle = SignInThrottle(limits: SignInLimits())
        let account = SignInThrottle.Key.account(try! EmailAddress("ann@example.org"))
        for _ in 0..<(SignInLimits().failuresPerAccount * 2) {
            #expect(try await throttle.checked([account], at: Self.now) { true })
            _ = try? await throttle.checked([account], at: Self.now) { () async throws -> Bool in throw DomainError(.notFound, "no such user") }
        }
        #expect(throttle.retryAfter([account], at: Self.now) == nil)
    }

    @Test(arguments: [
        ("2001:db8:1:2::1", "2001:db8:1:2:ffff:ffff:ffff:ffff", true),
        ("2001:0db8:0001:0002:0000:0000:0000:0001", "2001:db8:1:2::abcd", true),
        ("2001:db8:1:2::1", "2001:db8:1:3::1", false),
        ("::ffff:192.0.2.1", "192.0.2.1", true),
        ("::ffff:192.0.2.1", "::ffff:192.0.2.2", false),
        ("192.0.2.1", "192.0.2.2", false),
    ])
    func anIPv6NetworkCountsAsOneClient(first: String, second: String, same: Bool) {
        #expect((SignInThrottle.Key.client(first) == SignInThrottle.Key.client(second)) == same)
    }
}
