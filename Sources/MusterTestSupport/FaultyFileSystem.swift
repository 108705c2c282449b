import Dispatch
import MusterStorage
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The real file system with switchable faults.
public final class FaultyFileSystem: LogFileSystem {
    private let real = PosixFileSystem()
    /// While set, every sync fails with `EIO`.
    public let failSync = Atomic<Bool>(false)
    /// While set, every preallocation fails with `ENOSPC`.
    public let diskFull = Atomic<Bool>(false)
    /// Writes that succeed before every later one fails with `ENOSPC`; `Int.max` never.
    public let writesBeforeFailing = Atomic<Int>(.max)
    /// While set, every sync waits for ``releaseSyncs()``: a slow disk under the test's control.
    public let holdSyncs = Atomic<Bool>(false)
    /// How many syncs have been held.
    public let heldSyncs = Atomic<Int>(0)
    fileprivate let syncGate = DispatchSemaphore(value: 0)

    /// A file system over the real one, with no fault switched on.
    public init() {}

    /// Lets every held sync (and later ones) go on.
    public func releaseSyncs() {
        holdSyncs.store(false, ordering: .sequentiallyConsistent)
        for _ in 0..<64 { syncGate.signal() }
    }

    public func open(_ path: String, create: Bool) throws(FileSystemError) -> any LogFile {
        FaultyFile(try real.open(path, create: create), path: path, owner: self)
    }
    public func read(_ path: String) throws(FileSystemError) -> [UInt8] { try real.read(path) }
    public func openForReading(_ path: String) throws(FileSystemError) -> any ReadableFile { try real.openForReading(path) }
    public func list(_ directory: String) throws(FileSystemError) -> [String] { try real.list(directory) }
    public func createDirectory(_ path: String) throws(FileSystemError) { try real.createDirectory(path) }
    public func rename(_ from: String, to: String) throws(FileSystemError) { try real.rename(from, to: to) }
    public func remove(_ path: String) throws(FileSystemError) { try real.remove(path) }
    public func removeDirectory(_ path: String) throws(FileSystemError) { try real.removeDirectory(path) }
    public func syncDirectory(_ path: String) throws(FileSystemError) { try real.syncDirectory(path) }
    public func exists(_ path: String) -> Bool { real.exists(path) }
    public func syncFileSystem(containing path: String) throws(FileSystemError) { try real.syncFileSystem(containing: path) }
    public func modificationTime(_ path: String) -> Int64? { real.modificationTime(path) }
}

/// A file of a ``FaultyFileSystem``: the real file, failing as its owner says.
public final class FaultyFile: LogFile {
    private let file: any LogFile
    private let path: String
    private let owner: FaultyFileSystem

    fileprivate init(_ file: any LogFile, path: String, owner: FaultyFileSystem) {
        self.file = file
        self.path = path
        self.owner = owner
    }

    public func write(_ bytes: [UInt8], at offset: Int64) throws(FileSystemError) {
        if owner.writesBeforeFailing.load(ordering: .sequentiallyConsistent) != .max,
            owner.writesBeforeFailing.subtract(1, ordering: .sequentiallyConsistent).newValue < 0
        {
            throw FileSystemError(operation: "write", path: path, code: ENOSPC)
        }
        try file.write(bytes, at: offset)
    }
    public func sync() throws(FileSystemError) {
        if owner.failSync.load(ordering: .relaxed) { throw FileSystemError(operation: "fdatasync", path: path, code: EIO) }
        if owner.holdSyncs.load(ordering: .sequentiallyConsistent) {
            owner.heldSyncs.add(1, ordering: .sequentiallyConsistent)
            owner.syncGate.wait()
        }
        try file.sync()
    }
    public func preallocate(_ length: Int64) throws(FileSystemError) {
        if owner.diskFull.load(ordering: .relaxed) { throw FileSystemError(operation: "fallocate", path: path, code: ENOSPC) }
        try file.preallocate(length)
    }
    public func truncate(_ length: Int64) throws(FileSystemError) { try file.truncate(length) }
    public func size() throws(FileSystemError) -> Int64 { try file.size() }
    public func close() { file.close() }
}
