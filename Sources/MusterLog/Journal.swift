import Dispatch
import Synchronization

/// A small append-only file of independent entries with group commit: what the server keeps
/// durably beside the event log (idempotency answers, the email outbox's delivery state).
///
/// Each entry is framed as `length (u32 LE) · CRC-32 (u32 LE) · payload`. ``open(path:fileSystem:)``
/// reads every whole entry back and cuts a torn tail. Appends are written and synced by one
/// serial queue, many at a time, and ``append(_:)`` returns only once its entry is durable.
/// ``rewrite(_:)`` replaces the file atomically (temporary file, sync, rename, directory sync),
/// which is how an owner drops entries it no longer needs.
public final class Journal: Sendable {
    /// The file's path.
    public let path: String
    private let fileSystem: any LogFileSystem
    private let queue: DispatchQueue
    private let state: Mutex<State>

    private struct State {
        var file: (any LogFile)?
        var offset: Int64
        var pending: [UInt8] = []
        var waiters: [CheckedContinuation<Void, any Error>] = []
        var flushing = false
        var failure: FileSystemError?
    }

    private init(path: String, fileSystem: any LogFileSystem, file: any LogFile, offset: Int64) {
        self.path = path
        self.fileSystem = fileSystem
        self.queue = DispatchQueue(label: "muster.journal")
        self.state = Mutex(State(file: file, offset: offset))
    }

    /// Opens (creating) the journal at `path` and returns it with every whole entry it holds,
    /// in order. A torn last entry — a crash mid-write — is cut off.
    public static func open(path: String, fileSystem: any LogFileSystem = PosixFileSystem()) throws(FileSystemError) -> (Journal, [[UInt8]]) {
        let bytes = fileSystem.exists(path) ? try fileSystem.read(path) : []
        var entries = [[UInt8]]()
        var offset = 0
        while offset + 8 <= bytes.count {
            let length = Int(littleEndian32(bytes, at: offset))
            let checksum = littleEndian32(bytes, at: offset + 4)
            guard offset + 8 + length <= bytes.count else { break }
            let payload = Array(bytes[offset + 8..<offset + 8 + length])
            guard Zlib.crc32(payload) == checksum else { break }
            entries.append(payload)
            offset += 8 + length
        }
        let file = try fileSystem.open(path, create: true)
        if offset < bytes.count {
            try file.truncate(Int64(offset))
            try file.sync()
        }
        return (Journal(path: path, fileSystem: fileSystem, file: file, offset: Int64(offset)), entries)
    }

    /// Appends one entry and returns once it is durable; throws if it never will be (the
    /// journal then refuses every later append too).
    public func append(_ payload: [UInt8]) async throws {
        try await append(contentsOf: [payload])
    }

    /// Appends several entries together and returns once all of them are durable.
    public func append(contentsOf payloads: [[UInt8]]) async throws {
        var framed = [UInt8]()
        framed.reserveCapacity(payloads.reduce(0) { $0 + $1.count + 8 })
        for payload in payloads {
            Self.appendLittleEndian32(UInt32(payload.count), to: &framed)
            Self.appendLittleEndian32(Zlib.crc32(payload), to: &framed)
            framed.append(contentsOf: payload)
        }
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let startFlush = state.withLock { state -> Bool in
                if let failure = state.failure {
                    continuation.resume(throwing: failure)
                    return false
                }
                state.pending.append(contentsOf: framed)
                state.waiters.append(continuation)
                guard !state.flushing else { return false }
                state.flushing = true
                return true
            }
            if startFlush { queue.async { self.flush() } }
        }
    }

    /// Writes and syncs what is pending, again and again until nothing is: every append that
    /// arrives while a sync runs joins the next batch.
    private func flush() {
        while true {
            let taken = state.withLock { state -> (any LogFile, [UInt8], Int64, [CheckedContinuation<Void, any Error>])? in
                guard !state.pending.isEmpty, let file = state.file else {
                    state.flushing = false
                    return nil
                }
                defer {
                    state.pending = []
                    state.waiters = []
                }
                return (file, state.pending, state.offset, state.waiters)
            }
            guard let (file, bytes, offset, waiters) = taken else { return }
            do {
                try file.write(bytes, at: offset)
                try file.sync()
                state.withLock { $0.offset = offset + Int64(bytes.count) }
                for waiter in waiters { waiter.resume() }
            } catch {
                let stranded = state.withLock { state -> [CheckedContinuation<Void, any Error>] in
                    state.failure = error
                    state.flushing = false
                    defer { state.waiters = [] }
                    return state.waiters
                }
                for waiter in waiters + stranded { waiter.resume(throwing: error) }
                return
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
        try state.withLock { state throws(FileSystemError) in
            try fileSystem.rename(temporary, to: path)
            try fileSystem.syncDirectory(Self.directory(of: path))
            state.file?.close()
            let file = try fileSystem.open(path, create: true)
            state.file = file
            state.offset = Int64(bytes.count)
        }
    }

    /// Closes the file; later appends fail.
    public func close() {
        state.withLock { state in
            state.file?.close()
            state.file = nil
            state.failure = state.failure ?? FileSystemError(operation: "append", path: path, code: 9)
        }
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
