import Dispatch
import Synchronization

/// A small append-only file of independent entries with group commit: what the server keeps
/// durably beside the event log (idempotency answers, the email outbox's cursor, webhook
/// progress).
///
/// Each entry is framed as `length (u32 LE) · CRC-32 (u32 LE) · payload`. ``open(path:fileSystem:)``
/// reads every whole entry back and cuts a torn tail. Appends go through the same
/// ``GroupCommit`` core as the event log: queued without I/O, written and synced many at a time
/// by a drain on a serial queue that runs only while there is work, and ``append(_:)`` returns
/// only once its entry is durable. A failed write or sync stops the journal: that append and
/// every later one throw. ``rewrite(_:)`` replaces the file atomically (temporary file, sync,
/// rename, directory sync), which is how an owner drops entries it no longer needs.
public final class Journal: Sendable {
    /// The file's path.
    public let path: String
    private let fileSystem: any LogFileSystem
    private let queue: DispatchQueue
    private let commits: GroupCommit
    /// The open file and where the next entry goes: the drain's, and ``rewrite(_:)``'s.
    private let file: Mutex<(handle: (any LogFile)?, offset: Int64)>

    private init(path: String, fileSystem: any LogFileSystem, file: any LogFile, offset: Int64) {
        self.path = path
        self.fileSystem = fileSystem
        let queue = DispatchQueue(label: "muster.journal")
        self.queue = queue
        self.file = Mutex((file, offset))
        // The drain needs `self`, which does not exist yet: the handler reaches it through a box.
        let box = WeakJournal()
        self.commits = GroupCommit(after: 0, closed: .failed("the journal \(path) is closed")) {
            queue.async { box.journal?.drain() }
        }
        box.journal = self
    }

    /// Opens (creating) the journal at `path` and returns it with every whole entry it holds,
    /// in order. A torn last entry — a crash mid-write — is cut off.
    public static func open(path: String, fileSystem: any LogFileSystem = PosixFileSystem()) throws(FileSystemError) -> (Journal, [[UInt8]]) {
        let bytes = fileSystem.exists(path) ? try fileSystem.read(path) : []
        let (entries, offset) = Self.entries(in: bytes)
        let file = try fileSystem.open(path, create: true)
        // The journal's entry in its folder must be durable before anything appended to it is
        // acknowledged: a synced file that no folder names is lost at a power cut. Synced at
        // every open, not only when it is created: a process that made it may have died first.
        try fileSystem.syncDirectory(directory(of: path))
        if offset < bytes.count {
            try file.truncate(Int64(offset))
            try file.sync()
        }
        return (Journal(path: path, fileSystem: fileSystem, file: file, offset: Int64(offset)), entries)
    }

    /// The whole entries at the start of a journal's `bytes`, and where they end: what follows
    /// is a torn last entry (or damage, which reads the same). Changes nothing.
    package static func entries(in bytes: [UInt8]) -> (entries: [[UInt8]], length: Int) {
        var entries = [[UInt8]]()
        var offset = 0
        while offset + 8 <= bytes.count {
            let length = Int(littleEndian32(bytes, at: offset))
            let checksum = littleEndian32(bytes, at: offset + 4)
            guard length <= bytes.count - offset - 8 else { break }
            let payload = Array(bytes[offset + 8..<offset + 8 + length])
            guard Zlib.crc32(payload) == checksum else { break }
            entries.append(payload)
            offset += 8 + length
        }
        return (entries, offset)
    }

    /// Appends one entry and returns once it is durable; throws if it never will be (the
    /// journal then refuses every later append too).
    public func append(_ payload: [UInt8]) async throws {
        try await append(contentsOf: [payload])
    }

    /// Appends several entries together and returns once all of them are durable.
    public func append(contentsOf payloads: [[UInt8]]) async throws {
        try await waitUntilDurable(try enqueue(payloads))
    }

    /// The place of an entry in the journal's order, to wait for with ``waitUntilDurable(_:)``.
    public struct Ticket: Sendable {
        fileprivate var number: UInt64
    }

    /// Queues `payloads` to be written together, without waiting: entries queued one after
    /// another are written in that order. An owner that must keep its own order (an actor)
    /// enqueues inside its step, then waits outside it.
    public func enqueue(_ payloads: [[UInt8]]) throws -> Ticket {
        var framed = [UInt8]()
        framed.reserveCapacity(payloads.reduce(0) { $0 + $1.count + 8 })
        for payload in payloads {
            Self.appendLittleEndian32(UInt32(payload.count), to: &framed)
            Self.appendLittleEndian32(Zlib.crc32(payload), to: &framed)
            framed.append(contentsOf: payload)
        }
        return Ticket(number: try commits.submit(framed))
    }

    /// Returns once the entries of `ticket` (and all queued before them) are durable.
    public func waitUntilDurable(_ ticket: Ticket) async throws {
        try await commits.waitUntilAcknowledged(ticket.number)
    }

    /// Writes and syncs whatever is queued, batch after batch, until nothing is: every append
    /// that arrives while a sync runs joins the next batch.
    private func drain() {
        while true {
            switch commits.take() {
            case .idle:
                return
            case .stop:
                file.withLock { file in
                    file.handle?.close()
                    file.handle = nil
                }
                return
            case .batch(let entries, let first):
                do {
                    try file.withLock { file throws(FileSystemError) in
                        guard let handle = file.handle else { throw FileSystemError(operation: "append", path: path, code: 9) }
                        let bytes = Array(entries.joined())
                        try handle.write(bytes, at: file.offset)
                        try handle.sync()
                        file.offset += Int64(bytes.count)
                    }
                    commits.acknowledge(through: first + GroupCommit.Ticket(entries.count) - 1)
                } catch {
                    commits.fail(error.isOutOfSpace ? .diskFull : .failed("a write to \(path) failed: \(error)"))
                    return
                }
            }
        }
    }

    /// Replaces the journal's content with `entries`, atomically. Appends wait meanwhile.
    public func rewrite(_ entries: [[UInt8]]) throws(FileSystemError) {
        var bytes = [UInt8]()
        for payload in entries {
            Self.appendLittleEndian32(UInt32(payload.count), to: &bytes)
            Self.appendLittleEndian32(Zlib.crc32(payload), to: &bytes)
            bytes.append(contentsOf: payload)
        }
        let temporary = path + ".tmp"
        try fileSystem.writeFile(temporary, bytes)
        try file.withLock { file throws(FileSystemError) in
            try fileSystem.rename(temporary, to: path)
            do throws(FileSystemError) {
                try fileSystem.syncDirectory(Self.directory(of: path))
            } catch {
                // The new file is in place but perhaps not durably: appending to the old one's
                // handle would be acknowledged and lost. Stop the journal instead.
                commits.fail(.failed("the rewrite of \(path) could not be made durable: \(error)"))
                throw error
            }
            file.handle?.close()
            file.handle = nil
            do throws(FileSystemError) {
                file.handle = try fileSystem.open(path, create: true)
            } catch {
                commits.fail(.failed("the rewritten \(path) could not be opened: \(error)"))
                throw error
            }
            file.offset = Int64(bytes.count)
        }
    }

    /// Writes what is queued, then closes the file; later appends fail.
    public func close() {
        commits.close()
    }

    private static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return String(path[..<slash])
    }

    private static func littleEndian32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16 | UInt32(bytes[offset + 3]) << 24
    }

    private static func appendLittleEndian32(_ value: UInt32, to bytes: inout [UInt8]) {
        bytes.append(contentsOf: [
            UInt8(truncatingIfNeeded: value), UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value >> 16),
            UInt8(truncatingIfNeeded: value >> 24),
        ])
    }
}

/// How the journal's wake handler, made before the journal itself, reaches it — weakly, so a
/// journal its owner drops is freed (and its file closed) rather than kept by its own handler.
///
/// `@unchecked Sendable`: `journal` is written once, in the journal's initializer, before the
/// handler can run (it runs only after an append, which needs the finished journal); that
/// write happens before every read through the core's lock, which the append takes first.
private final class WeakJournal: @unchecked Sendable {
    weak var journal: Journal?
}
