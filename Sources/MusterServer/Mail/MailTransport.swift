import CMusterSystem
import Dispatch
import MusterLog

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where the outbox hands each email. A transport must be idempotent per message id: the
/// outbox delivers at least once, and again after a crash that lost the record of delivery.
protocol MailTransport: Sendable {
    func deliver(_ message: MailMessage) async throws

    /// Delivers several emails; returns the failures by message id.
    func deliver(batch: [MailMessage]) async -> [String: any Error]
}

extension MailTransport {
    /// One at a time.
    func deliver(batch: [MailMessage]) async -> [String: any Error] {
        var failures = [String: any Error]()
        for message in batch {
            do { try await deliver(message) } catch { failures[message.id] = error }
        }
        return failures
    }
}

/// The default transport: each email one RFC 5322 file, `<folder>/<id>.eml`, written to a
/// temporary name, made durable and renamed, so a reader never sees half a message.
struct FileMailTransport: MailTransport {
    let folder: String
    let sender: String
    var fileSystem: any LogFileSystem = PosixFileSystem()

    func deliver(_ message: MailMessage) async throws {
        if let failure = await deliver(batch: [message])[message.id] { throw failure }
    }

    /// The thread the file work runs on: blocking calls (writes, `syncfs`, renames in a large
    /// folder) must not occupy the few threads of Swift's cooperative pool, which serve requests.
    private static let queue = DispatchQueue(label: "muster.mail.files")

    /// Writes every file of the batch, makes them durable with one `syncfs`, renames them into
    /// place and syncs the folder once: two flushes for the whole batch instead of two per email.
    func deliver(batch: [MailMessage]) async -> [String: any Error] {
        await withCheckedContinuation { continuation in
            Self.queue.async { continuation.resume(returning: deliverNow(batch)) }
        }
    }

    private func deliverNow(_ batch: [MailMessage]) -> [String: any Error] {
        var failures = [String: any Error]()
        do {
            try fileSystem.createDirectory(folder)
        } catch {
            for message in batch { failures[message.id] = error }
            return failures
        }
        var written = [MailMessage]()
        for message in batch {
            // Delivered before a crash that lost the outbox's note of it: not again.
            if fileSystem.exists(finalPath(message)) { continue }
            do {
                let file = try fileSystem.open(temporaryPath(message), create: true)
                defer { file.close() }
                try file.truncate(0)
                try file.write(Array(message.rfc5322(from: sender).utf8), at: 0)
                written.append(message)
            } catch {
                failures[message.id] = error
            }
        }
        guard !written.isEmpty else { return failures }
        do {
            try syncFileSystem()
            for message in written {
                try fileSystem.rename(temporaryPath(message), to: finalPath(message))
            }
            try fileSystem.syncDirectory(folder)
        } catch {
            for message in written { failures[message.id] = error }
        }
        return failures
    }

    private func finalPath(_ message: MailMessage) -> String { "\(folder)/\(message.id).eml" }
    private func temporaryPath(_ message: MailMessage) -> String { "\(folder)/.\(message.id).eml.tmp" }

    /// Flushes the file system that holds the folder (`syncfs`), where it exists.
    private func syncFileSystem() throws(FileSystemError) {
        let descriptor = open(folder, O_RDONLY)
        guard descriptor >= 0 else { throw FileSystemError(operation: "open", path: folder, code: errno) }
        defer { close(descriptor) }
        guard muster_syncfs(descriptor) == 0 else { throw FileSystemError(operation: "syncfs", path: folder, code: errno) }
    }
}
