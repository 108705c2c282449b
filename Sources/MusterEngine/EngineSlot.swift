import Synchronization

/// Holds the engine once recovery has produced it. The server listens from the start so that
/// `/healthz` answers during a long recovery; until the slot is filled, `/readyz` and every
/// API call answer 503 `not_ready`, and the log's followers wait.
public final class EngineSlot: Sendable {
    private struct State {
        var engine: MusterEngine?
        var waiters: [Int: CheckedContinuation<MusterEngine?, Never>] = [:]
        var nextWaiter = 0
    }

    private let state: Mutex<State>
    /// On a node of a cluster: whether it leads now, and a wait until it does.
    private let leadership = Mutex<Leadership?>(nil)

    /// How the services only a leader runs learn that this node leads.
    public struct Leadership: Sendable {
        /// Whether the node leads now.
        public var isLeading: @Sendable () -> Bool
        /// Returns once the node leads; `false` if the waiting task is cancelled first.
        public var waitUntilLeading: @Sendable () async -> Bool

        /// Leadership as these two closures tell it.
        public init(isLeading: @escaping @Sendable () -> Bool, waitUntilLeading: @escaping @Sendable () async -> Bool) {
            self.isLeading = isLeading
            self.waitUntilLeading = waitUntilLeading
        }
    }

    /// A slot holding `engine`, or empty until ``install(_:)``.
    public init(_ engine: MusterEngine? = nil) {
        state = Mutex(State(engine: engine))
    }

    /// Whether recovery has finished.
    public var isReady: Bool { state.withLock { $0.engine != nil } }

    /// The engine, or `nil` while recovery runs.
    public var current: MusterEngine? { state.withLock { $0.engine } }

    /// The engine, once recovery has produced it, or `nil` if the waiting task is cancelled:
    /// for services that start with the server and have nothing to do before.
    public func readyEngine() async -> MusterEngine? {
        let id = state.withLock { state in
            defer { state.nextWaiter += 1 }
            return state.nextWaiter
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let ready = state.withLock { state -> MusterEngine?? in
                    if let engine = state.engine { return .some(engine) }
                    if Task.isCancelled { return .some(nil) }
                    state.waiters[id] = continuation
                    return .none
                }
                if let ready { continuation.resume(returning: ready) }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.resume(returning: nil)
        }
    }

    /// Says that the engine belongs to a node of a cluster: the services that change things on
    /// their own (the outbox, the webhooks, the sweep) run on the leader only.
    public func setLeadership(_ leadership: Leadership) {
        self.leadership.withLock { $0 = leadership }
    }

    /// Whether this engine may change things on its own: always on one machine; on a node of a
    /// cluster, while it leads.
    public var leads: Bool { leadership.withLock { $0 }?.isLeading() ?? true }

    /// The engine once recovery has produced it and this node leads (at once on one
    /// machine), or `nil` if the waiting task is cancelled: for the services that follow the
    /// log with side effects, which a cluster runs on its leader alone.
    public func leadingEngine() async -> MusterEngine? {
        guard let engine = await readyEngine() else { return nil }
        if let leadership = leadership.withLock({ $0 }), !(await leadership.waitUntilLeading()) { return nil }
        return engine
    }

    /// Fills the slot and wakes everyone waiting in ``readyEngine()``.
    public func install(_ engine: MusterEngine) {
        let waiters = state.withLock { state in
            state.engine = engine
            defer { state.waiters = [:] }
            return state.waiters
        }
        for waiter in waiters.values { waiter.resume(returning: engine) }
    }
}
