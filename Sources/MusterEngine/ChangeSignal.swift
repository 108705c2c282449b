import Synchronization

/// Wakes the tasks waiting for something keyed by `Key` to move past a version they have seen:
/// long-polling feed readers and webhook workers waiting for an org's next event.
///
/// Publishing never suspends (a lock and a dictionary update), so an actor may publish inside
/// its decide-and-apply step. A waiter that registers after a publish it has not seen returns
/// at once, so no wake-up is lost between a reader's check and its wait.
public final class ChangeSignal<Key: Hashable & Sendable>: Sendable {
    private struct State {
        var versions: [Key: UInt64] = [:]
        var waiters: [Key: [Int: Waiter]] = [:]
        /// Tickets handed out whose continuation is not registered yet.
        var unregistered: Set<Int> = []
        /// Of those, the ones whose task was cancelled meanwhile.
        var cancelled: Set<Int> = []
        var nextTicket = 0
    }

    private struct Waiter {
        var seen: UInt64
        var continuation: CheckedContinuation<Void, Never>
    }

    private let state = Mutex(State())

    /// Creates a signal with every key at version 0.
    public init() {}

    /// Records that `key` is now at `version` and wakes every waiter that has seen less.
    public func publish(_ key: Key, version: UInt64) {
        let woken: [CheckedContinuation<Void, Never>] = state.withLock { state in
            guard version > state.versions[key, default: 0] else { return [] }
            state.versions[key] = version
            guard var waiting = state.waiters[key] else { return [] }
            var woken = [CheckedContinuation<Void, Never>]()
            for (ticket, waiter) in waiting where waiter.seen < version {
                woken.append(waiter.continuation)
                waiting[ticket] = nil
            }
            state.waiters[key] = waiting.isEmpty ? nil : waiting
            return woken
        }
        for continuation in woken { continuation.resume() }
    }

    /// Moves `key` one version on and wakes its waiters: for keys without versions of their own.
    public func bump(_ key: Key) {
        publish(key, version: version(of: key) + 1)
    }

    /// The last version published for `key`.
    public func version(of key: Key) -> UInt64 {
        state.withLock { $0.versions[key, default: 0] }
    }

    /// Returns `true` once `key` is past `seen`, or `false` after `timeout` or when the task is
    /// cancelled.
    public func wait(for key: Key, beyond seen: UInt64, timeout: Duration) async -> Bool {
        if version(of: key) > seen { return true }
        return await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await self.waitUntilPast(key, seen: seen)
                return !Task.isCancelled
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first || version(of: key) > seen
        }
    }

    private func waitUntilPast(_ key: Key, seen: UInt64) async {
        let ticket = state.withLock { state -> Int in
            state.nextTicket += 1
            state.unregistered.insert(state.nextTicket)
            return state.nextTicket
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    state.unregistered.remove(ticket)
                    if state.cancelled.remove(ticket) != nil || state.versions[key, default: 0] > seen { return true }
                    state.waiters[key, default: [:]][ticket] = Waiter(seen: seen, continuation: continuation)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let continuation = state.withLock { state -> CheckedContinuation<Void, Never>? in
                guard let waiter = state.waiters[key]?.removeValue(forKey: ticket) else {
                    // Not registered yet: tell the registration to return at once. (Already
                    // woken by a publish: nothing to do.)
                    if state.unregistered.contains(ticket) { state.cancelled.insert(ticket) }
                    return nil
                }
                if state.waiters[key]?.isEmpty == true { state.waiters[key] = nil }
                return waiter.continuation
            }
            continuation?.resume()
        }
    }
}
