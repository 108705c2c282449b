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
package final class SignInThrottle: Sendable {
    /// What is counted under one key.
    package enum Key: Hashable, Sendable {
        case account(EmailAddress)
        case user(UserID)
        case address(String)
        case link(EmailAddress)

        /// The key of a client's address: an IPv4 address whole, an IPv6 address by its /64,
        /// the least a single subscriber is given — so one network's billions of addresses
        /// count as one.
        package static func client(_ address: String) -> Key {
            guard address.contains(":") else { return .address(address) }
            // An IPv4 client seen through an IPv6 socket (`::ffff:192.0.2.1`) is that IPv4 address.
            if address.contains("."), let last = address.split(separator: ":").last { return .address(String(last)) }
            var groups = [String]()
            let halves = address.split(separator: "::", maxSplits: 1, omittingEmptySubsequences: false).map {
                $0.split(separator: ":").map(String.init)
            }
            if halves.count == 2 {
                let missing = max(0, 8 - halves[0].count - halves[1].count)
                groups = halves[0] + Array(repeating: "0", count: missing) + halves[1]
            } else {
                groups = halves[0]
            }
            let prefix = groups.prefix(4).map { group in
                let trimmed = group.lowercased().drop { $0 == "0" }
                return trimmed.isEmpty ? "0" : String(trimmed)
            }
            return .address(prefix.joined(separator: ":") + "::/64")
        }
    }

    let limits: SignInLimits
    private let table = Mutex<Table>(Table())

    private struct Table {
        var times: [Key: [Int64]] = [:]
        var insertsSincePrune = 0
    }

    package init(limits: SignInLimits = SignInLimits()) {
        self.limits = limits
    }

    /// The seconds to wait before `keys` may try again, or `nil` when none is over its limit.
    package func retryAfter(_ keys: [Key], at now: Timestamp) -> Int? {
        table.withLock { table in wait(keys, in: table, at: now) }
    }

    /// Counts one attempt (a failure, or a link request) under each of `keys`.
    package func record(_ keys: [Key], at now: Timestamp) {
        table.withLock { table in count(keys, in: &table, at: now) }
    }

    private func wait(_ keys: [Key], in table: Table, at now: Timestamp) -> Int? {
        keys.compactMap { key -> Int? in
            let (limit, window) = self.limit(of: key)
            let recent = (table.times[key] ?? []).filter { $0 > now.millisecondsSinceEpoch - window }
            guard recent.count >= limit, let oldest = recent.first else { return nil }
            return Int((oldest + window - now.millisecondsSinceEpoch + 999) / 1000)
        }.max()
    }

    private func count(_ keys: [Key], in table: inout Table, at now: Timestamp) {
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

    /// Records a link request for `email` and says whether a link may be sent.
    package func allowLink(to email: EmailAddress, at now: Timestamp) -> Bool {
        guard retryAfter([.link(email)], at: now) == nil else { return false }
        record([.link(email)], at: now)
        return true
    }

    /// Forgets the failures under `key` (a successful sign-in).
    package func clear(_ key: Key) {
        table.withLock { _ = $0.times.removeValue(forKey: key) }
    }

    private func limit(of key: Key) -> (count: Int, windowMilliseconds: Int64) {
        switch key {
        case .account, .user: (limits.failuresPerAccount, limits.window.milliseconds)
        case .address: (limits.failuresPerAddress, limits.window.milliseconds)
        case .link: (limits.linksPerEmail, limits.linkWindow.milliseconds)
        }
    }

    /// Runs a password check unless `keys` are over their failure limit — refused
    /// `rate_limited` with the wait — and counts a wrong password under each key. The API and
    /// the console both sign in through it, so neither is a way around the other's limit.
    ///
    /// The attempt is counted before the check runs and given back unless the password was
    /// wrong: a check takes a slow hash, and guesses sent all at once must not all pass the
    /// limit before any of them has failed.
    package func checked<Answer>(_ keys: [Key], at now: Timestamp, _ body: () async throws -> Answer) async throws -> Answer {
        if let wait = reserve(keys, at: now) {
            throw DomainError(
                .rateLimited,
                "too many failed sign-ins; try again in \(wait) seconds, or ask for a sign-in link",
                retryAfter: .seconds(Int64(wait))
            )
        }
        do {
            let answer = try await body()
            refund(keys, at: now)
            return answer
        } catch let error as DomainError where error.code == .invalidCredentials {
            throw error
        } catch {
            refund(keys, at: now)
            throw error
        }
    }

    /// Counts an attempt under each of `keys`, in one step with the check: returns the wait
    /// (counting nothing) when any is over its limit.
    private func reserve(_ keys: [Key], at now: Timestamp) -> Int? {
        table.withLock { table in
            if let wait = wait(keys, in: table, at: now) { return wait }
            count(keys, in: &table, at: now)
            return nil
        }
    }

    /// Gives back an attempt counted by ``reserve(_:at:)``.
    private func refund(_ keys: [Key], at now: Timestamp) {
        table.withLock { table in
            for key in keys {
                guard var times = table.times[key], let index = times.lastIndex(of: now.millisecondsSinceEpoch) else { continue }
                times.remove(at: index)
                table.times[key] = times.isEmpty ? nil : times
            }
        }
    }
}
