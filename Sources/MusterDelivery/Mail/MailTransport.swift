import CMusterSystem
import MusterDomain
import MusterLog
import MusterStorage
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

    /// Removes what the transport keeps of emails delivered before the retention period, but
    /// nothing of an email queued at or after `oldestPending` (one still to deliver); returns
    /// how many it removed. Transports that keep nothing do nothing.
    func removeExpired(now: Timestamp, oldestPending: Timestamp?) async -> Int
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

    /// Nothing kept, nothing to remove.
    package func removeExpired(now: Timestamp, oldestPending: Timestamp?) async -> Int { 0 }
}

/// The default transport: each email one RFC 5322 file, `<folder>/<day>/<id>.eml` (the day it
/// was queued, `YYYY-MM-DD` in UTC), written to a temporary name, made durable and renamed, so
/// a reader never sees half a message.
///
/// A day's folder is removed whole once it is older than ``retention`` — one directory to
/// list a day, never the whole history — so the folder does not grow for ever and nothing
/// walks it at start. A day that still holds an email waiting for delivery is never removed.
package struct FileMailTransport: MailTransport {
    package let folder: String
    package let sender: String
    /// How long delivered emails are kept; `nil` for ever.
    package let retention: Span?
    package var fileSystem: any LogFileSystem = PosixFileSystem()

    /// Creates one from its parts.
    package init(folder: String, sender: String, retention: Span? = .days(14), fileSystem: any LogFileSystem = PosixFileSystem()) {
        self.folder = folder
        self.sender = sender
        self.retention = retention
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
        var days = Set<String>()
        for day in Set(batch.map(Self.day)) {
            do {
                try fileSystem.createDirectory(folder + "/" + day)
                days.insert(day)
            } catch {
                for message in batch where Self.day(message) == day { failures[message.id] = error }
            }
        }
        var written = [MailMessage]()
        var skippedIn = Set<String>()
        for message in batch where days.contains(Self.day(message)) {
            // Delivered before a crash that lost the outbox's note of it (or, by a version
            // before day folders, straight into the folder): not again.
            if fileSystem.exists(finalPath(message)) || fileSystem.exists("\(folder)/\(message.id).eml") {
                skippedIn.insert(Self.day(message))
                continue
            }
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
        do {
            if !written.isEmpty {
                try fileSystem.syncFileSystem(containing: folder)
                for message in written {
                    try fileSystem.rename(temporaryPath(message), to: finalPath(message))
                }
            }
            // A file found in place may have been renamed there by a process that died before
            // it synced the folder: its folder is synced now, before it counts as delivered.
            for day in Set(written.map(Self.day)).union(skippedIn) { try fileSystem.syncDirectory(folder + "/" + day) }
        } catch {
            for message in batch where failures[message.id] == nil { failures[message.id] = error }
        }
        return failures
    }

    /// The folder of the day `message` was queued, `YYYY-MM-DD` in UTC.
    static func day(_ message: MailMessage) -> String { day(Timestamp(millisecondsSinceEpoch: message.queuedAt)) }

    static func day(_ at: Timestamp) -> String { String(at.iso8601.prefix(10)) }

    /// Where the email `message` is delivered.
    package func finalPath(_ message: MailMessage) -> String { "\(folder)/\(Self.day(message))/\(message.id).eml" }
    private func temporaryPath(_ message: MailMessage) -> String { "\(folder)/\(Self.day(message))/.\(message.id).eml.tmp" }

    /// The most files one call of ``removeExpired(now:oldestPending:)`` removes: it runs on the
    /// thread that writes emails, and a sign-in link must not wait behind a day's worth of
    /// removals. The service calls again soon while a call reaches it.
    package static let removalsPerCall = 2_000

    /// Removes each day's folder older than ``retention`` whole, on the file thread, unless
    /// it is the day of `oldestPending` or later, or the folder itself changed within the
    /// retention period (an email queued long ago but delivered lately is kept its full time).
    package func removeExpired(now: Timestamp, oldestPending: Timestamp?) async -> Int {
        guard let retention else { return 0 }
        let oldest = now.adding(Span(milliseconds: -retention.milliseconds))
        var before = Self.day(oldest)
        if let oldestPending { before = min(before, Self.day(oldestPending)) }
        let cutoff = before
        return
            (try? await Self.thread.runIfActive { [self] in
                _ = muster_set_thread_nice(Self.niceness)
                return removeDays(before: cutoff, unchangedSince: oldest.millisecondsSinceEpoch)
            }) ?? 0
    }

    private func removeDays(before cutoff: String, unchangedSince oldest: Int64) -> Int {
        guard let days = try? fileSystem.list(folder) else { return 0 }
        var removed = 0
        // Only names of the form YYYY-MM-DD: whatever else an operator keeps here stays.
        for day in days where day.count == 10 && day < cutoff && Self.isDayName(day) {
            let path = folder + "/" + day
            if let changed = fileSystem.modificationTime(path), changed > oldest { continue }
            guard let names = try? fileSystem.list(path) else { continue }
            for name in names.prefix(Self.removalsPerCall - removed) where (try? fileSystem.remove(path + "/" + name)) != nil { removed += 1 }
            if removed >= Self.removalsPerCall { break }
            try? fileSystem.removeDirectory(path)
        }
        if removed > 0 { try? fileSystem.syncDirectory(folder) }
        return removed
    }

    private static func isDayName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        return bytes.count == 10 && bytes[4] == UInt8(ascii: "-") && bytes[7] == UInt8(ascii: "-")
            && bytes.enumerated().allSatisfy { index, byte in index == 4 || index == 7 || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }
    }
}
