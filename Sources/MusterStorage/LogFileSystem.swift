import CMusterSystem
import Dispatch
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The few file operations the log and snapshots use, behind one interface so that tests can
/// inject a failing sync, a full disk or a torn write.
public protocol LogFileSystem: Sendable {
    /// Opens `path` for reading and writing, creating it when `create` is set.
    func open(_ path: String, create: Bool) throws(FileSystemError) -> any LogFile
    /// The whole content of `path`.
    func read(_ path: String) throws(FileSystemError) -> [UInt8]
    /// The names (not paths) of the entries of a directory.
    func list(_ directory: String) throws(FileSystemError) -> [String]
    /// Creates a directory and its parents if they are missing.
    func createDirectory(_ path: String) throws(FileSystemError)
    /// Atomically renames `from` to `to`, replacing `to`.
    func rename(_ from: String, to: String) throws(FileSystemError)
    func remove(_ path: String) throws(FileSystemError)
    /// Removes an empty directory.
    func removeDirectory(_ path: String) throws(FileSystemError)
    /// Makes a directory's entries (files created, renamed or removed in it) durable.
    func syncDirectory(_ path: String) throws(FileSystemError)
    /// Makes the data of every file on the file system that holds `path` durable (`syncfs`):
    /// one flush for many files written at once.
    func syncFileSystem(containing path: String) throws(FileSystemError)
    func exists(_ path: String) -> Bool
    /// When `path` last changed, in milliseconds since the epoch; `nil` when unknown.
    func modificationTime(_ path: String) -> Int64?
    /// Opens `path` for reading alone, for a reader that wants its ranges one at a time
    /// rather than the whole file in memory.
    func openForReading(_ path: String) throws(FileSystemError) -> any ReadableFile
}

extension LogFileSystem {
    /// The whole file read at once, its ranges served from memory: right for file systems that
    /// hold their files in memory anyway.
    public func openForReading(_ path: String) throws(FileSystemError) -> any ReadableFile {
        InMemoryFile(bytes: try read(path), path: path)
    }

    /// Replaces the content of `path` with `bytes` and syncs it (not its directory).
    public func writeFile(_ path: String, _ bytes: [UInt8]) throws(FileSystemError) {
        let file = try open(path, create: true)
        defer { file.close() }
        try file.truncate(0)
        try file.write(bytes, at: 0)
        try file.sync()
    }
}

/// An open file.
public protocol LogFile: AnyObject, Sendable {
    /// Writes all of `bytes` at `offset`.
    func write(_ bytes: [UInt8], at offset: Int64) throws(FileSystemError)
    /// Makes the written data durable (`fdatasync`).
    func sync() throws(FileSystemError)
    /// Reserves `length` bytes on disk so later writes cannot run out of space.
    func preallocate(_ length: Int64) throws(FileSystemError)
    func truncate(_ length: Int64) throws(FileSystemError)
    func size() throws(FileSystemError) -> Int64
    func close()
}

/// A failed file operation, with the C `errno`.
public struct FileSystemError: Error, Hashable, Sendable, CustomStringConvertible {
    public var operation: String
    public var path: String
    public var code: Int32

    /// Creates an error.
    public init(operation: String, path: String, code: Int32) {
        self.operation = operation
        self.path = path
        self.code = code
    }

    /// Whether the device is out of space.
    public var isOutOfSpace: Bool { code == ENOSPC || code == EDQUOT }

    public var description: String {
        "\(operation) \(path): \(String(cString: strerror(code))) (errno \(code))"
    }
}

/// The real file system, through POSIX calls.
public struct PosixFileSystem: LogFileSystem {
    /// Creates the file system.
    public init() {}

    public func open(_ path: String, create: Bool) throws(FileSystemError) -> any LogFile {
        // Owner-only from the first byte: journals, segments and mail files hold personal data.
        let descriptor = Glibc.open(path, O_RDWR | O_CLOEXEC | (create ? O_CREAT : 0), 0o600)
        guard descriptor >= 0 else { throw FileSystemError(operation: "open", path: path, code: errno) }
        return PosixFile(descriptor: descriptor, path: path)
    }

    /// Where the pieces of one read go.
    ///
    /// `@unchecked Sendable` because a pointer is not: each thread writes only its own piece's
    /// bytes, and `concurrentPerform` returns only after every piece is done, inside the
    /// closure that owns the memory.
    private struct Destination: @unchecked Sendable {
        var start: UnsafeMutablePointer<UInt8>?
    }

    /// At most how many threads read one file.
    static let readThreads = 4
    /// A file is split into pieces of at least this many bytes (a segment is 64 MiB).
    static let readPieceMinimum = 8 << 20

    public func openForReading(_ path: String) throws(FileSystemError) -> any ReadableFile {
        let descriptor = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw FileSystemError(operation: "open", path: path, code: errno) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            let code = errno
            Glibc.close(descriptor)
            throw FileSystemError(operation: "fstat", path: path, code: code)
        }
        return PosixReadableFile(descriptor: descriptor, path: path, length: Int(status.st_size))
    }

    public func read(_ path: String) throws(FileSystemError) -> [UInt8] {
        // Read-only: a backup reads a live folder it may not write to.
        let descriptor = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw FileSystemError(operation: "open", path: path, code: errno) }
        let posix = PosixFile(descriptor: descriptor, path: path)
        defer { posix.close() }
        let length = Int(try posix.size())
        // Into uninitialised memory: zeroing a snapshot's hundreds of megabytes first only to
        // overwrite them cost a start a pass over all of them. A large file is read in parallel
        // pieces: the copy out of the page cache into new pages is work each core can share.
        let pieces = max(1, min(Self.readThreads, length / Self.readPieceMinimum))
        let pieceLength = (length + pieces - 1) / pieces
        let failures = Mutex<FileSystemError?>(nil)
        let bytes = [UInt8](unsafeUninitializedCapacity: length) { buffer, initialized in
            let base = Destination(start: buffer.baseAddress)
            DispatchQueue.concurrentPerform(iterations: pieces) { piece in
                let start = piece * pieceLength
                let end = min(length, start + pieceLength)
                var done = start
                while done < end {
                    let count = pread(posix.descriptor, base.start! + done, end - done, off_t(done))
                    if count < 0, errno == EINTR { continue }
                    guard count > 0 else {
                        let error = FileSystemError(operation: "read", path: path, code: count < 0 ? errno : EIO)
                        failures.withLock { $0 = $0 ?? error }
                        return
                    }
                    done += count
                }
            }
            // Only a whole read counts as initialised; a failed one hands back nothing.
            initialized = failures.withLock { $0 } == nil ? length : 0
        }
        if let failure = failures.withLock({ $0 }) { throw failure }
        return bytes
    }

    public func list(_ directory: String) throws(FileSystemError) -> [String] {
        guard let handle = opendir(directory) else { throw FileSystemError(operation: "opendir", path: directory, code: errno) }
        defer { closedir(handle) }
        var names = [String]()
        while let entry = readdir(handle) {
            let name = Self.name(of: entry)
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    /// Where `d_name` starts inside a `dirent`.
    private static let nameOffset = MemoryLayout<dirent>.offset(of: \dirent.d_name)!

    /// The name of a directory entry, read in place.
    ///
    /// A record from `readdir` is only `d_reclen` bytes long, often far shorter than
    /// `MemoryLayout<dirent>.size`: reading `entry.pointee` (or `entry.pointee.d_name`, a
    /// 256-byte tuple) copies the whole declared struct and reads past the record — past the
    /// mapping, and a crash, when the record ends near a page the C library did not map. So the
    /// name is read from a pointer to its first byte and stops at its terminating zero, which
    /// the kernel always writes inside the record.
    static func name(of entry: UnsafeMutablePointer<dirent>) -> String {
        String(cString: (UnsafeRawPointer(entry) + nameOffset).assumingMemoryBound(to: CChar.self))
    }

    /// Creates each missing directory of `path` and syncs its parent, so that a directory made
    /// here is still there after a power cut once a file in it has been synced.
    public func createDirectory(_ path: String) throws(FileSystemError) {
        var prefix = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            let parent = prefix.isEmpty ? "/" : prefix
            prefix += "/" + component
            if mkdir(prefix, 0o700) == 0 {
                try syncDirectory(parent)
            } else if errno != EEXIST {
                throw FileSystemError(operation: "mkdir", path: prefix, code: errno)
            }
        }
    }

    public func removeDirectory(_ path: String) throws(FileSystemError) {
        guard rmdir(path) == 0 else { throw FileSystemError(operation: "rmdir", path: path, code: errno) }
    }

    /// Makes `directory` and everything under it private to the owner: folders `0700`, files
    /// `0600`. Muster creates them so; this tightens a folder written by an older version, a
    /// copy, or a restore made under a loose umask. Symbolic links are left alone, never followed.
    ///
    /// The folders named in `unwalked` (names directly inside `directory`) are made `0700` but
    /// not walked: a folder that grows without bound, such as the emails written to `mail/`,
    /// must not make every start slower. Its files are created `0600`, and a `0700` folder
    /// already keeps everyone else out of them.
    public func restrictToOwner(_ directory: String, unwalked: Set<String> = []) throws(FileSystemError) {
        guard chmod(directory, 0o700) == 0 else { throw FileSystemError(operation: "chmod", path: directory, code: errno) }
        for name in try list(directory) {
            let path = directory + "/" + name
            var status = stat()
            guard lstat(path, &status) == 0 else { throw FileSystemError(operation: "lstat", path: path, code: errno) }
            switch status.st_mode & S_IFMT {
            case S_IFDIR where unwalked.contains(name):
                guard chmod(path, 0o700) == 0 else { throw FileSystemError(operation: "chmod", path: path, code: errno) }
            case S_IFDIR: try restrictToOwner(path)
            case S_IFREG:
                guard status.st_mode & 0o077 != 0 else { continue }
                guard chmod(path, 0o600) == 0 else { throw FileSystemError(operation: "chmod", path: path, code: errno) }
            default: continue
            }
        }
    }

    public func rename(_ from: String, to: String) throws(FileSystemError) {
        guard Glibc.rename(from, to) == 0 else { throw FileSystemError(operation: "rename", path: from, code: errno) }
    }

    public func remove(_ path: String) throws(FileSystemError) {
        guard unlink(path) == 0 else { throw FileSystemError(operation: "unlink", path: path, code: errno) }
    }

    public func syncDirectory(_ path: String) throws(FileSystemError) {
        let descriptor = Glibc.open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw FileSystemError(operation: "open", path: path, code: errno) }
        defer { Glibc.close(descriptor) }
        guard fsync(descriptor) == 0 else { throw FileSystemError(operation: "fsync", path: path, code: errno) }
    }

    public func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }

    public func syncFileSystem(containing path: String) throws(FileSystemError) {
        let descriptor = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw FileSystemError(operation: "open", path: path, code: errno) }
        defer { Glibc.close(descriptor) }
        guard muster_syncfs(descriptor) == 0 else { throw FileSystemError(operation: "syncfs", path: path, code: errno) }
    }

    public func modificationTime(_ path: String) -> Int64? {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        return Int64(status.st_mtim.tv_sec) * 1000 + Int64(status.st_mtim.tv_nsec) / 1_000_000
    }
}

/// A file open through POSIX calls. The descriptor is immutable and POSIX calls on it are
/// thread-safe, so sharing the object across threads is sound.
final class PosixFile: LogFile {
    let descriptor: Int32
    let path: String

    init(descriptor: Int32, path: String) {
        self.descriptor = descriptor
        self.path = path
    }

    func write(_ bytes: [UInt8], at offset: Int64) throws(FileSystemError) {
        var done = 0
        while done < bytes.count {
            let count = bytes.withUnsafeBytes { buffer in
                pwrite(descriptor, buffer.baseAddress! + done, bytes.count - done, off_t(offset) + off_t(done))
            }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { throw FileSystemError(operation: "write", path: path, code: count < 0 ? errno : EIO) }
            done += count
        }
    }

    func sync() throws(FileSystemError) {
        guard fdatasync(descriptor) == 0 else { throw FileSystemError(operation: "fdatasync", path: path, code: errno) }
    }

    func preallocate(_ length: Int64) throws(FileSystemError) {
        let result = posix_fallocate(descriptor, 0, off_t(length))
        // File systems without fallocate still work; they just cannot promise the space.
        guard result == 0 || result == EOPNOTSUPP || result == EINVAL else {
            throw FileSystemError(operation: "fallocate", path: path, code: result)
        }
    }

    func truncate(_ length: Int64) throws(FileSystemError) {
        guard ftruncate(descriptor, off_t(length)) == 0 else { throw FileSystemError(operation: "ftruncate", path: path, code: errno) }
    }

    func size() throws(FileSystemError) -> Int64 {
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw FileSystemError(operation: "fstat", path: path, code: errno) }
        return Int64(status.st_size)
    }

    func close() {
        Glibc.close(descriptor)
    }
}
