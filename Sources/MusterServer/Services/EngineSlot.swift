import HTTPTypes
import MusterEngine
import Synchronization

/// Holds the engine once recovery has produced it. The server listens from the start so that
/// `/healthz` answers during a long recovery; until the slot is filled, `/readyz` and every
/// API call answer 503 `not_ready`.
final class EngineSlot: Sendable {
    private struct State {
        var engine: MusterEngine?
        var waiters: [Int: CheckedContinuation<MusterEngine?, Never>] = [:]
        var nextWaiter = 0
    }

    private let state: Mutex<State>

    init(_ engine: MusterEngine? = nil) {
        state = Mutex(State(engine: engine))
    }

    /// Whether recovery has finished.
    var isReady: Bool { state.withLock { $0.engine != nil } }

    /// The engine, or 503 while recovery runs.
    func engine() throws(Problem) -> MusterEngine {
        guard let engine = state.withLock({ $0.engine }) else {
            throw Problem(.serviceUnavailable, code: "not_ready", "the server is still recovering its data; retry in a moment")
        }
        return engine
    }

    /// The engine, once recovery has produced it, or `nil` if the waiting task is cancelled:
    /// for services that start with the server and have nothing to do before.
    func readyEngine() async -> MusterEngine? {
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

    func install(_ engine: MusterEngine) {
        let waiters = state.withLock { state in
            state.engine = engine
            defer { state.waiters = [:] }
            return state.waiters
        }
        for waiter in waiters.values { waiter.resume(returning: engine) }
    }
}
