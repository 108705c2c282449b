import CMusterSystem
import MusterLog
import NIOPosix

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where the outbox hands each email. A transport must be idempotent per message id: the
/// outbox delivers at least once, and again after a crash that lost the record of delivery.
package protocol MailTransport: Sendable {
    func deliver(_ message: MailMessage) async throws

    /// Delivers several emails; returns the failures by message id.
    func deliver(batch: [MailMessage]) async -> [String: any Error]
}

extension MailTransport {
    /// One at a time.
    package func deliver(batch: [MailMessage]) async -> [String: any Error] {
        var failures = [String: any Error]()
        for message in batch {
            do { try await deliver(message) } catch { failures[message.id] = error }
        }
        return failures
    }
}

/// The default transport: each email one RFC 5322 file, `<folder>/<id>.eml`, written to a
/// temporary name, made durable and renamed, so a reader never sees half a message.
package struct FileMailTransport: MailTransport {
    package let folder: String
    package let sender: String
    package var fileSystem: any LogFileSystem = PosixFileSystem()

    /// Creates one from its parts.
    package init(folder: String, sender: String, fileSystem: any LogFileSystem = PosixFileSystem()) {
        self.folder = folder
        self.sender = sender
        self.fileSystem = fileSystem
    }

    package func deliver(_ message: MailMessage) async throws {
        if let failure = await deliver(batch: [message])[message.id] { throw failure }
    }

    /// The one thread the file work runs on, at a lower priority than the rest of the process.
    ///
    /// Blocking calls (writes, `syncfs`, inode creation in a folder of many files) must not
    /// occupy the few threads of Swift's cooperative pool, which serve requests; and at nice
    /// ``niceness`` the kernel gives this thread about a tenth of the share of a request thread
    /// when both want a core, so a burst of emails slows requests little and drains as soon as
    /// the load eases. The emails' durability does not depend on it: they follow the log.
    private static let thread: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
        return pool
    }()

    /// The nice value of the file thread (0 is a request thread's; 19 the lowest priority).
    static let niceness: Int32 = 10

    /// Writes every file of the batch, makes them durable with one `syncfs`, renames them into
    /// place and syncs the folder once: two flushes for the whole batch instead of two per email.
    package func deliver(batch: [MailMessage]) async -> [String: any Error] {
        do {
            return try await Self.thread.runIfActive { [self] in
                _ = muster_set_thread_nice(Self.niceness)
                return deliverNow(batch)
            }
        } catch {
            return Dictionary(batch.map { ($0.id, error) }, uniquingKeysWith: { first, _ in first })
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
                try file.write(message.rfc5322Bytes(from: sender), at: 0)
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
