import HTTPTypes
import MusterEngine

extension EngineSlot {
    /// The engine, or 503 `not_ready` while recovery runs.
    func engine() throws(Problem) -> MusterEngine {
        guard let engine = current else {
            throw Problem(.serviceUnavailable, code: "not_ready", "the server is still recovering its data; retry in a moment")
        }
        return engine
    }
}
