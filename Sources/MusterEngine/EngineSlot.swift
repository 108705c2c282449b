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
