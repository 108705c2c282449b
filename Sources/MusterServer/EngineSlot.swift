import HTTPTypes
import MusterEngine
import Synchronization

/// Holds the engine once recovery has produced it. The server listens from the start so that
/// `/healthz` answers during a long recovery; until the slot is filled, `/readyz` and every
/// API call answer 503 `not_ready`.
final class EngineSlot: Sendable {
    private let slot = Mutex<MusterEngine?>(nil)

    init(_ engine: MusterEngine? = nil) {
        slot.withLock { $0 = engine }
    }

    /// Whether recovery has finished.
    var isReady: Bool { slot.withLock { $0 != nil } }

    /// The engine, or 503 while recovery runs.
    func engine() throws(Problem) -> MusterEngine {
        guard let engine = slot.withLock({ $0 }) else {
            throw Problem(.serviceUnavailable, code: "not_ready", "the server is still recovering its data; retry in a moment")
        }
        return engine
    }

    func install(_ engine: MusterEngine) {
        slot.withLock { $0 = engine }
    }
}
