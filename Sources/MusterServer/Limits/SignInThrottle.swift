import MusterDomain
import Synchronization

/// How many sign-in attempts Muster takes before it makes a caller wait.
public struct SignInLimits: Sendable {
    /// Failed password sign-ins per account (by email, known or not) within ``window``.
    public var failuresPerAccount = 10
    /// Failed password sign-ins per client address within ``window``.
    public var failuresPerAddress = 30
    /// The sliding window the failures are counted in.
    public var window: Span = .minutes(15)
    /// Sign-in links emailed per address within ``linkWindow``; requests beyond it get the same
    /// answer but no email.
    public var linksPerEmail = 5
    /// The window sign-in link requests are counted in.
    public var linkWindow: Span = .hours(1)

    /// The defaults: 10 failures per account and 30 per address in 15 minutes, 5 links an hour.
    public init() {}
}

/// Counts failed sign-ins per account and per client address, and sign-in link requests per
/// email, in sliding windows, and says when a caller must wait.
///
/// In memory: a restart forgets the counts, which gives an attacker nothing they could not
/// get by waiting. The table is pruned as it grows, so a flood of distinct keys costs at most
/// the keys seen within one window.
final class SignInThrottle: Sendable {
    /// What is counted under one key.
    enum Key: Hashable, Sendable {
        case account(EmailAddress)
        case user(UserID)
        case address(String)
        case link(EmailAddress)
    }

    let limits: SignInLimits
    private let table = Mutex<Table>(Table())

    private struct Table {
        var times: [Key: [Int64]] = [:]
        var insertsSincePrune = 0
    }

    init(limits: SignInLimits = SignInLimits()) {
        self.limits = limits
    }

    /// The seconds to wait before `keys` may try again, or `nil` when none is over its limit.
    func retryAfter(_ keys: [Key], at now: Timestamp) -> Int? {
        table.withLock { table in
            keys.compactMap { key -> Int? in
                let (limit, window) = self.limit(of: key)
                let recent = (table.times[key] ?? []).filter { $0 > now.millisecondsSinceEpoch - window }
                guard recent.count >= limit, let oldest = recent.first else { return nil }
                return Int((oldest + window - now.millisecondsSinceEpoch + 999) / 1000)
            }.max()
        }
    }

    /// Counts one attempt (a failure, or a link request) under each of `keys`.
    func record(_ keys: [Key], at now: Timestamp) {
        table.withLock { table in
            for key in keys {
                let (limit, window) = self.limit(of: key)
                var recent = (table.times[key] ?? []).filter { $0 > now.millisecondsSinceEpoch - window }
                recent.append(now.millisecondsSinceEpoch)
                // Only the last `limit` times decide anything.
                if recent.count > limit { recent.removeFirst(recent.count - limit) }
                table.times[key] = recent
            }
            table.insertsSincePrune += keys.count
            if table.insertsSincePrune >= 4096 {
                table.insertsSincePrune = 0
                let longest = max(limits.window.milliseconds, limits.linkWindow.milliseconds)
                table.times = table.times.filter { $0.value.last.map { $0 > now.millisecondsSinceEpoch - longest } ?? false }
            }
        }
    }

    /// Records a link request for `email` and says whether a link may be sent.
    func allowLink(to email: EmailAddress, at now: Timestamp) -> Bool {
        guard retryAfter([.link(email)], at: now) == nil else { return false }
        record([.link(email)], at: now)
        return true
    }

    /// Forgets the failures under `key` (a successful sign-in).
    func clear(_ key: Key) {
        table.withLock { _ = $0.times.removeValue(forKey: key) }
    }

    private func limit(of key: Key) -> (count: Int, windowMilliseconds: Int64) {
        switch key {
        case .account, .user: (limits.failuresPerAccount, limits.window.milliseconds)
        case .address: (limits.failuresPerAddress, limits.window.milliseconds)
        case .link: (limits.linksPerEmail, limits.linkWindow.milliseconds)
        }
    }
}
