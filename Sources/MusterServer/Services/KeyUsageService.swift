import Logging
import MusterDomain
import MusterEngine
import MusterLog
import MusterStorage
import ServiceLifecycle

/// Keeps the ledger of API keys' last uses in `<data>/api-key-usage`: read back once the
/// engine is ready, written (atomically, `0600`) every half minute when it changed, and once
/// more at shutdown. A crash loses at most the last half minute of uses, which only ever makes
/// a key look a little less recently used.
struct KeyUsageService: Service, CustomStringConvertible {
    let slot: EngineSlot
    /// The file, or `nil` for a server without a data folder.
    let path: String?
    let interval: Duration
    let logger: Logger
    /// The name ServiceLifecycle logs the service by, instead of a dump of its fields (which
    /// hold the server's secret, settings and templates).
    var description: String { "KeyUsageService" }

    func run() async throws {
        guard let engine = await slot.readyEngine() else { return }
        if let path { load(into: engine.keyUsage, from: path) }
        let loaded = engine.keyUsage.entries.version
        await cancelWhenGracefulShutdown {
            var written = loaded
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                written = save(engine.keyUsage, since: written)
            }
        }
        // At shutdown, whatever came since the last round.
        _ = save(engine.keyUsage, since: -1)
    }

    /// Writes the ledger if it changed since `version`; returns the version now on disk.
    private func save(_ ledger: KeyUsageLedger, since version: Int) -> Int {
        let (uses, current) = ledger.entries
        guard let path, current != version else { return version }
        let text = uses.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value.millisecondsSinceEpoch)\n" }.joined()
        do {
            try PrivateFile.write(path, Array(text.utf8))
            return current
        } catch {
            logger.warning("API key last uses could not be saved", metadata: ["path": "\(path)", "error": "\(error)"])
            return version
        }
    }

    /// Reads `<key id> <milliseconds>` lines; a line that does not parse is skipped.
    private func load(into ledger: KeyUsageLedger, from path: String) {
        let fileSystem = PosixFileSystem()
        guard fileSystem.exists(path), let bytes = try? fileSystem.read(path) else { return }
        var uses = [APIKeyID: Timestamp]()
        for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") {
            let parts = line.split(separator: " ")
            guard parts.count == 2, let keyID = APIKeyID(parts[0]), let milliseconds = Int64(parts[1]) else { continue }
            uses[keyID] = Timestamp(millisecondsSinceEpoch: milliseconds)
        }
        ledger.merge(uses)
    }
}
