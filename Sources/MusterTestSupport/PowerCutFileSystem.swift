import MusterStorage
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A file system in memory that loses power the way a disk does: everything not yet synced
/// is gone after ``cut(tearing:)`` — file data written since the file's last `sync`, and
/// directory entries (new files, renames, removals, new folders) made since the folder's last
/// `syncDirectory`. LazyFS's model, without FUSE.
///
/// Only folders at or below `root` exist; `root` itself is there and durable from the start.
/// A crash point can be set (``cutAfter(operations:)``): the power goes after that many
/// changing operations, and every operation after it fails with `EIO` — what the process that
/// was running sees until it dies — until ``powerOn()``, which is the machine coming back.
/// File handles opened before a cut stay dead after it.
public final class PowerCutFileSystem: LogFileSystem {
    /// A file's bytes as the process sees them, and as the disk holds them. Read and written
    /// only under the file system's lock (``state``), so sharing it across threads is sound.
    final class Inode: @unchecked Sendable {
        var data: [UInt8] = []
        /// `nil` until the first sync: a file that was never synced is empty after a cut.
        var durable: [UInt8]?
        init() {}
    }

    /// What a folder entry names.
    enum Node: Sendable {
        case file(Inode)
        case directory
    }

    /// A folder's entries as the process sees them, and as the disk holds them.
    struct Folder: Sendable {
        var entries: [String: Node] = [:]
        var durable: [String: Node] = [:]
    }

    struct State: Sendable {
        let root: String
        var folders: [String: Folder]
        /// Changing operations so far, and the one the power goes after.
        var operations = 0
        var cutAfter: Int?
        /// When set, the crash point's cut keeps a random part of each file's unsynced bytes.
        var tearing: SeededGenerator?
        var poweredOff = false
        /// Folders removed since their parent's last sync: a cut brings them back.
        var removed: [String: Folder] = [:]
        /// Bumped by each cut: handles from an earlier generation are dead.
        var generation = 0
        var cuts = 0
    }

    // Everything it holds is behind this lock; handles reach the state only through it.
    let state: Mutex<State>
    /// The top folder.
    public let root: String

    /// A file system holding only the empty folder `root`.
    public init(root: String) {
        var trimmed = root
        while trimmed.count > 1, trimmed.hasSuffix("/") { trimmed.removeLast() }
        self.root = trimmed
        state = Mutex(State(root: trimmed, folders: [trimmed: Folder()]))
    }

    /// Cuts the power after `count` more changing operations (writes, syncs, truncations,
    /// preallocations, creations, renames, removals); `nil` never. With `tearing`, that cut
    /// keeps a part of each file's unsynced bytes chosen from the seed, as ``cut(tearing:)``.
    public func cutAfter(operations count: Int?, tearing seed: UInt64? = nil) {
        state.withLock { state in
            state.cutAfter = count.map { state.operations + $0 }
            state.tearing = seed.map(SeededGenerator.init(seed:))
        }
    }

    /// How many changing operations have run since the start.
    public var operationCount: Int { state.withLock { $0.operations } }

    /// How many times the power has gone.
    public var cutCount: Int { state.withLock { $0.cuts } }

    /// Whether the power is off.
    public var isPoweredOff: Bool { state.withLock { $0.poweredOff } }

    /// Cuts the power now: what was not synced is lost, but each file keeps a random prefix of
    /// its unsynced change (from its first changed byte to its last) — a write the disk had
    /// begun, as a torn last frame of a log segment is.
    public func cut<Generator: RandomNumberGenerator>(tearing generator: inout Generator) {
        state.withLock { state in Self.cut(&state) { Int.random(in: 0...$0, using: &generator) } }
    }

    /// Cuts the power now, losing everything not synced.
    public func cut() {
        state.withLock { state in Self.cut(&state) { _ in 0 } }
    }

    /// The machine is back: operations work again, on what the disk held.
    public func powerOn() {
        state.withLock { state in
            state.poweredOff = false
            state.cutAfter = nil
        }
    }

    /// Drops what was not synced; `kept(n)` says how many of the `n` bytes appended past a
    /// file's durable length survive.
    private static func cut(_ state: inout State, kept: (Int) -> Int) {
        guard !state.poweredOff else { return }
        state.poweredOff = true
        state.generation += 1
        state.cuts += 1
        // Only what the durable entries reach survives: a folder whose entry was never synced
        // is gone with everything in it.
        var surviving = [String: Folder]()
        var inodes = [ObjectIdentifier: Inode]()
        var queue = [state.root]
        while let path = queue.popLast() {
            guard var folder = state.folders[path] ?? state.removed[path] else { continue }
            folder.entries = folder.durable
            for (name, node) in folder.durable {
                switch node {
                case .directory: queue.append(path + "/" + name)
                case .file(let inode): inodes[ObjectIdentifier(inode)] = inode
                }
            }
            surviving[path] = folder
        }
        state.folders = surviving
        state.removed = [:]
        for inode in inodes.values {
            let durable = inode.durable ?? []
            var data = durable
            // The changed span: from the first byte that differs to the last.
            let common = min(durable.count, inode.data.count)
            let first = (0..<common).first { durable[$0] != inode.data[$0] } ?? common
            var last = inode.data.count
            if inode.data.count <= durable.count {
                last = (first..<inode.data.count).last { durable[$0] != inode.data[$0] }.map { $0 + 1 } ?? first
            }
            if last > first {
                let keep = kept(last - first)
                if keep > 0 {
                    if data.count < first + keep { data += [UInt8](repeating: 0, count: first + keep - data.count) }
                    data.replaceSubrange(first..<first + keep, with: inode.data[first..<first + keep])
                }
            }
            inode.data = data
            inode.durable = inode.durable.map { _ in durable }
        }
    }

    /// Runs one changing operation: counts it, cuts the power when the crash point is reached
    /// (the operation itself then does not happen), and fails while the power is off.
    func change<Result>(
        _ path: String,
        _ operation: String,
        generation: Int? = nil,
        _ body: (inout State) throws(FileSystemError) -> Result
    )
        throws(FileSystemError) -> Result
    {
        try state.withLock { state throws(FileSystemError) in
            if let generation, generation != state.generation { throw FileSystemError(operation: operation, path: path, code: EIO) }
            guard !state.poweredOff else { throw FileSystemError(operation: operation, path: path, code: EIO) }
            if let cutAfter = state.cutAfter, state.operations >= cutAfter {
                if var generator = state.tearing {
                    Self.cut(&state) { Int.random(in: 0...$0, using: &generator) }
                } else {
                    Self.cut(&state) { _ in 0 }
                }
                throw FileSystemError(operation: operation, path: path, code: EIO)
            }
            state.operations += 1
            return try body(&state)
        }
    }

    /// Runs one reading operation: fails while the power is off.
    func look<Result>(_ path: String, _ operation: String, _ body: (inout State) throws(FileSystemError) -> Result) throws(FileSystemError) -> Result
    {
        try state.withLock { state throws(FileSystemError) in
            guard !state.poweredOff else { throw FileSystemError(operation: operation, path: path, code: EIO) }
            return try body(&state)
        }
    }

    /// The folder and name of `path`.
    static func split(_ path: String) -> (folder: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        return (String(path[..<slash]), String(path[path.index(after: slash)...]))
    }

    static func node(_ path: String, in state: State) -> Node? {
        if state.folders[path] != nil { return .directory }
        let (folder, name) = split(path)
        return state.folders[folder]?.entries[name]
    }

    public func open(_ path: String, create: Bool) throws(FileSystemError) -> any LogFile {
        let opened = { (state: inout State) throws(FileSystemError) -> PowerCutFile in
            let (folder, name) = Self.split(path)
            guard state.folders[folder] != nil else { throw FileSystemError(operation: "open", path: path, code: ENOENT) }
            switch state.folders[folder]!.entries[name] {
            case .file(let inode): return PowerCutFile(inode: inode, path: path, owner: self, generation: state.generation)
            case .directory: throw FileSystemError(operation: "open", path: path, code: EISDIR)
            case nil:
                guard create else { throw FileSystemError(operation: "open", path: path, code: ENOENT) }
                let inode = Inode()
                state.folders[folder]!.entries[name] = .file(inode)
                return PowerCutFile(inode: inode, path: path, owner: self, generation: state.generation)
            }
        }
        let exists = try look(path, "open") { state throws(FileSystemError) in Self.node(path, in: state) != nil }
        return exists || !create ? try look(path, "open", opened) : try change(path, "open", opened)
    }

    public func read(_ path: String) throws(FileSystemError) -> [UInt8] {
        try look(path, "read") { state throws(FileSystemError) in
            guard case .file(let inode) = Self.node(path, in: state) else { throw FileSystemError(operation: "open", path: path, code: ENOENT) }
            return inode.data
        }
    }

    public func list(_ directory: String) throws(FileSystemError) -> [String] {
        try look(directory, "opendir") { state throws(FileSystemError) in
            guard let folder = state.folders[directory] else { throw FileSystemError(operation: "opendir", path: directory, code: ENOENT) }
            return folder.entries.keys.sorted()
        }
    }

    /// Creates each missing folder and syncs its parent, as the real one does.
    public func createDirectory(_ path: String) throws(FileSystemError) {
        guard path != root else { return }
        guard path.hasPrefix(root + "/") else { throw FileSystemError(operation: "mkdir", path: path, code: EACCES) }
        var prefix = root
        for component in path.dropFirst(root.count + 1).split(separator: "/") {
            let parent = prefix
            prefix += "/" + component
            let exists = try look(prefix, "mkdir") { state throws(FileSystemError) in state.folders[prefix] != nil }
            if exists { continue }
            try change(prefix, "mkdir") { state throws(FileSystemError) in
                guard state.folders[parent]?.entries[String(component)] == nil else {
                    throw FileSystemError(operation: "mkdir", path: prefix, code: EEXIST)
                }
                state.folders[parent]!.entries[String(component)] = .directory
                state.folders[prefix] = Folder()
            }
            try syncDirectory(parent)
        }
    }

    public func rename(_ from: String, to: String) throws(FileSystemError) {
        try change(from, "rename") { state throws(FileSystemError) in
            let (source, name) = Self.split(from)
            let (target, newName) = Self.split(to)
            guard case .file(let inode) = state.folders[source]?.entries[name] else {
                throw FileSystemError(operation: "rename", path: from, code: ENOENT)
            }
            guard state.folders[target] != nil else { throw FileSystemError(operation: "rename", path: to, code: ENOENT) }
            state.folders[source]!.entries[name] = nil
            state.folders[target]!.entries[newName] = .file(inode)
        }
    }

    public func remove(_ path: String) throws(FileSystemError) {
        try change(path, "unlink") { state throws(FileSystemError) in
            let (folder, name) = Self.split(path)
            guard case .file = state.folders[folder]?.entries[name] else { throw FileSystemError(operation: "unlink", path: path, code: ENOENT) }
            state.folders[folder]!.entries[name] = nil
        }
    }

    public func removeDirectory(_ path: String) throws(FileSystemError) {
        try change(path, "rmdir") { state throws(FileSystemError) in
            guard let folder = state.folders[path] else { throw FileSystemError(operation: "rmdir", path: path, code: ENOENT) }
            guard folder.entries.isEmpty else { throw FileSystemError(operation: "rmdir", path: path, code: ENOTEMPTY) }
            let (parent, name) = Self.split(path)
            state.folders[parent]?.entries[name] = nil
            state.removed[path] = state.folders.removeValue(forKey: path)
        }
    }

    public func syncDirectory(_ path: String) throws(FileSystemError) {
        try change(path, "fsync") { state throws(FileSystemError) in
            guard state.folders[path] != nil else { throw FileSystemError(operation: "open", path: path, code: ENOENT) }
            state.folders[path]!.durable = state.folders[path]!.entries
        }
    }

    /// Makes every file's data durable, as `syncfs` does; directory entries are left to their
    /// folders' syncs (stricter than ext4, whose `syncfs` commits them too).
    public func syncFileSystem(containing path: String) throws(FileSystemError) {
        try change(path, "syncfs") { state throws(FileSystemError) in
            for folder in state.folders.values {
                for case .file(let inode) in folder.entries.values { inode.durable = inode.data }
            }
        }
    }

    /// Unknown: nothing here keeps times.
    public func modificationTime(_ path: String) -> Int64? { nil }

    public func exists(_ path: String) -> Bool {
        (try? look(path, "access") { state throws(FileSystemError) in Self.node(path, in: state) != nil }) ?? false
    }

    /// Every file's path and content as the process sees it now (after a cut: as the disk held it).
    public func files() -> [String: [UInt8]] {
        state.withLock { state in
            var result = [String: [UInt8]]()
            for (path, folder) in state.folders {
                for (name, node) in folder.entries { if case .file(let inode) = node { result[path + "/" + name] = inode.data } }
            }
            return result
        }
    }
}

/// A file open on a ``PowerCutFileSystem``. Its inode is reached only under the file
/// system's lock, so sharing it across threads is sound.
final class PowerCutFile: LogFile, @unchecked Sendable {
    let inode: PowerCutFileSystem.Inode
    let path: String
    let owner: PowerCutFileSystem
    let generation: Int

    init(inode: PowerCutFileSystem.Inode, path: String, owner: PowerCutFileSystem, generation: Int) {
        self.inode = inode
        self.path = path
        self.owner = owner
        self.generation = generation
    }

    func write(_ bytes: [UInt8], at offset: Int64) throws(FileSystemError) {
        try owner.change(path, "write", generation: generation) { _ throws(FileSystemError) in
            let end = Int(offset) + bytes.count
            if inode.data.count < end { inode.data += [UInt8](repeating: 0, count: end - inode.data.count) }
            inode.data.replaceSubrange(Int(offset)..<end, with: bytes)
        }
    }

    func sync() throws(FileSystemError) {
        try owner.change(path, "fdatasync", generation: generation) { _ throws(FileSystemError) in inode.durable = inode.data }
    }

    func preallocate(_ length: Int64) throws(FileSystemError) {
        try owner.change(path, "fallocate", generation: generation) { _ throws(FileSystemError) in
            if inode.data.count < Int(length) { inode.data += [UInt8](repeating: 0, count: Int(length) - inode.data.count) }
        }
    }

    func truncate(_ length: Int64) throws(FileSystemError) {
        try owner.change(path, "ftruncate", generation: generation) { _ throws(FileSystemError) in
            let length = Int(length)
            if inode.data.count > length {
                inode.data.removeLast(inode.data.count - length)
            } else {
                inode.data += [UInt8](repeating: 0, count: length - inode.data.count)
            }
        }
    }

    func size() throws(FileSystemError) -> Int64 {
        try owner.look(path, "fstat") { state throws(FileSystemError) in
            guard state.generation == generation else { throw FileSystemError(operation: "fstat", path: path, code: EIO) }
            return Int64(inode.data.count)
        }
    }

    func close() {}
}

/// A small deterministic random generator (SplitMix64), so a run can be replayed from its seed.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// A generator that starts from `seed`.
    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
