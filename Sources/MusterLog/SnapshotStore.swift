import Dispatch
import MusterDomain
import MusterEngine
import MusterStorage
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A consistent copy of every org and the directory, and the log position it covers.
public struct Snapshot: Sendable {
    /// Every record up to this position is reflected in the states.
    public var position: LogPosition
    public var directory: DirectoryState
    public var orgs: [OrgState]

    /// Creates a snapshot of these states, holding every record up to `position`.
    public init(position: LogPosition, directory: DirectoryState, orgs: [OrgState]) {
        self.position = position
        self.directory = directory
        self.orgs = orgs
    }
}

/// Writes and loads snapshots (see `docs/LOG-FORMAT.md`): versioned, split into blocks that
/// are checksummed separately so both sides work in parallel, written to a temporary file,
/// synced, renamed and the directory synced. The newest two are kept.
///
/// The files are not compressed: inflating them was a fifth of a start's work, and a restart
/// is what a snapshot is for. Snapshots that are (the database's, and files written before)
/// load as well.
public struct SnapshotStore: Sendable {
    public let directory: String
    let fileSystem: any LogFileSystem
    static let magic: UInt32 = 0x504E_534D  // "MSNP" in file order
    static let headerLength = 24
    /// About how many rows go in one block: enough to compress well, few enough that a large
    /// state spreads over every core. An org is never split.
    static let rowsPerBlock = 20_000

    /// Creates a store for the snapshots in `directory`.
    public init(directory: String, fileSystem: any LogFileSystem = PosixFileSystem()) {
        self.directory = directory
        self.fileSystem = fileSystem
    }

    /// The snapshots on disk, newest first.
    public func list() -> [(position: LogPosition, path: String)] {
        let names = (try? fileSystem.list(directory)) ?? []
        return names.compactMap { name -> (LogPosition, String)? in
            guard name.hasSuffix(".snap"), let position = LogPosition(name.dropLast(5)) else { return nil }
            return (position, directory + "/" + name)
        }.sorted { $0.0 > $1.0 }
    }

    /// Header flag: the blocks are zlib-compressed (set by the database's store, which trades
    /// the start's time for the rows it sends; clear in files).
    static let compressed: UInt16 = 1
    /// Header flag: each org's rows end with its webhooks (snapshots written before webhooks
    /// were org records lack them, and still load).
    static let orgsHaveWebhooks: UInt16 = 2
    /// Header flag: each org's rows end with its settings, and each webhook with its
    /// rotated-out secret (snapshots written before either existed lack them, and still load).
    static let orgsHaveSettings: UInt16 = 4
    /// The flags this version writes, besides ``compressed``.
    static let flags = orgsHaveWebhooks | orgsHaveSettings

    /// Writes a snapshot atomically, then removes all but the newest two; returns its path
    /// and size.
    ///
    /// Each block goes to the file as soon as it and the blocks before it are encoded, so a
    /// snapshot never holds the whole file in memory: a server taking one in the background
    /// needs memory for at most ``writeWindow`` blocks beside its state, not for the file twice
    /// over.
    @discardableResult
    public func write(_ snapshot: Snapshot) throws(LogError) -> (path: String, bytes: Int) {
        let digits = String(snapshot.position)
        let name = String(repeating: "0", count: max(0, 20 - digits.count)) + digits + ".snap"
        let path = directory + "/" + name
        let temporary = path + ".tmp"
        let length: Int
        do {
            try fileSystem.createDirectory(directory)
            let file = try fileSystem.open(temporary, create: true)
            defer { file.close() }
            try file.truncate(0)
            length = try Self.write(snapshot, compressed: false, to: file)
            try file.sync()
            try fileSystem.rename(temporary, to: path)
            try fileSystem.syncDirectory(directory)
        } catch {
            try? fileSystem.remove(temporary)
            throw .failed("cannot write snapshot \(path): \(error)")
        }
        for old in list().dropFirst(2) { try? fileSystem.remove(old.path) }
        for name in (try? fileSystem.list(directory)) ?? [] where name.hasSuffix(".tmp") && directory + "/" + name != temporary {
            try? fileSystem.remove(directory + "/" + name)
        }
        return (path, length)
    }

    /// Loads one snapshot file, checking every checksum.
    ///
    /// The file is not read into memory whole: each decoding thread reads the block it decodes
    /// into a buffer it used for the one before, so a start never copies the file into hundreds
    /// of megabytes of new pages before it can decode the first block.
    public func load(_ path: String) throws(LogError) -> Snapshot {
        let file: any ReadableFile
        do { file = try fileSystem.openForReading(path) } catch { throw .failed("cannot read \(path): \(error)") }
        defer { file.close() }
        return try Self.decode(.file(file))
    }

    /// A snapshot's bytes, as a file holds them: the header, then the blocks (encoded, and
    /// compressed when `compressed`, in parallel). What a replicated backend stores too.
    package static func encode(_ snapshot: Snapshot, compressed: Bool, rowsPerBlock: Int = SnapshotStore.rowsPerBlock) -> [UInt8] {
        let chunks = blockChunks(snapshot, rowsPerBlock: rowsPerBlock)
        let blocks = Mutex<[[UInt8]]>(Array(repeating: [], count: chunks.count + 1))
        DispatchQueue.concurrentPerform(iterations: chunks.count + 1) { index in
            let block = encodeBlock(index, of: snapshot, chunks: chunks, compressed: compressed)
            blocks.withLock { $0[index] = block }
        }
        var file = header(snapshot, blockCount: chunks.count + 1, compressed: compressed)
        for block in blocks.withLock({ $0 }) { file.append(contentsOf: block) }
        return file
    }

    /// How many blocks past the last one written a thread may encode before it waits: the
    /// directory's block (the first, and often the longest) would otherwise let the others
    /// pile up the whole file behind it.
    static let writeWindow = 32

    /// Writes the bytes ``encode(_:compressed:)`` gives to `file`, each block as soon as it and
    /// the ones before it are encoded; returns the length written.
    ///
    /// At most ``writeWindow`` blocks (and one a thread) are held at once. A thread does not
    /// start block `i` until block `i - writeWindow` is written, and this cannot deadlock: the
    /// blocks are handed out in order, so the lowest unwritten one is already being encoded by
    /// a thread that never waits. The thread that finds the next block ready writes it, and any
    /// that follow, outside the lock; the others go on encoding.
    static func write(
        _ snapshot: Snapshot,
        compressed: Bool,
        rowsPerBlock: Int = SnapshotStore.rowsPerBlock,
        to file: any LogFile
    ) throws(FileSystemError) -> Int {
        let chunks = blockChunks(snapshot, rowsPerBlock: rowsPerBlock)
        let head = header(snapshot, blockCount: chunks.count + 1, compressed: compressed)
        try file.write(head, at: 0)
        struct Progress {
            var ready: [Int: [UInt8]] = [:]
            /// The next block to be written, and where.
            var next = 0
            var offset: Int
            /// Whether a thread is writing; it writes every block that is ready in turn.
            var writing = false
            var failure: FileSystemError?
        }
        let progress = Mutex(Progress(offset: head.count))
        DispatchQueue.concurrentPerform(iterations: chunks.count + 1) { index in
            while true {
                let (failed, mayStart) = progress.withLock { ($0.failure != nil, $0.next > index - writeWindow) }
                if failed { return }
                if mayStart { break }
                usleep(200)
            }
            let block = encodeBlock(index, of: snapshot, chunks: chunks, compressed: compressed)
            let writes = progress.withLock { progress in
                guard progress.failure == nil else { return false }
                progress.ready[index] = block
                guard !progress.writing else { return false }
                progress.writing = true
                return true
            }
            guard writes else { return }
            while true {
                // The next block and its place, taken under the lock; none left ends the turn in
                // the same step, so a block made ready meanwhile is never left unwritten.
                let next: (bytes: [UInt8], offset: Int)? = progress.withLock { progress in
                    guard progress.failure == nil, let bytes = progress.ready.removeValue(forKey: progress.next) else {
                        progress.writing = false
                        return nil
                    }
                    defer {
                        progress.offset += bytes.count
                        progress.next += 1
                    }
                    return (bytes, progress.offset)
                }
                guard let next else { return }
                do throws(FileSystemError) {
                    try file.write(next.bytes, at: Int64(next.offset))
                } catch {
                    progress.withLock { progress in
                        progress.failure = progress.failure ?? error
                        progress.ready = [:]
                        progress.writing = false
                    }
                    return
                }
            }
        }
        let done = progress.withLock { $0 }
        if let failure = done.failure { throw failure }
        precondition(done.next == chunks.count + 1 && done.ready.isEmpty, "a snapshot block was left unwritten")
        return done.offset
    }

    /// The file's header: magic, version, flags, position, block count, checksum.
    private static func header(_ snapshot: Snapshot, blockCount: Int, compressed: Bool) -> [UInt8] {
        var header = BinaryWriter(capacity: headerLength)
        header.u32(magic)
        header.u16(EventCodec.version)
        header.u16(compressed ? flags | Self.compressed : flags)
        header.u64(snapshot.position)
        header.u32(UInt32(blockCount))
        header.u32(Zlib.crc32(header.bytes))
        return header.bytes
    }

    /// Decodes a snapshot's bytes, checking every checksum.
    package static func decode(_ bytes: [UInt8]) throws(LogError) -> Snapshot {
        try decode(.bytes(bytes))
    }

    /// Where a snapshot's bytes are: in memory (as a replicated backend hands them over), or
    /// in a file read a block at a time.
    enum Source {
        case bytes([UInt8])
        case file(any ReadableFile)

        var length: Int {
            switch self {
            case .bytes(let bytes): bytes.count
            case .file(let file): file.length
            }
        }

        /// `count` bytes at `offset`, which the caller has checked lie inside.
        func read(_ count: Int, at offset: Int) throws(LogError) -> [UInt8] {
            switch self {
            case .bytes(let bytes): return Array(bytes[offset..<(offset + count)])
            case .file(let file):
                var buffer = [UInt8]()
                do { try file.read(count, at: offset, into: &buffer) } catch { throw .failed("cannot read a snapshot: \(error)") }
                return buffer
            }
        }
    }

    /// One block as the file's table of blocks describes it.
    struct Block {
        var kind: UInt8
        var rawLength: Int
        /// Where its stored bytes are in the file.
        var stored: Range<Int>
        var crc: UInt32
        /// The checksum of its header's first nine bytes, which the block's checksum continues.
        var headerCRC: UInt32
    }

    /// A block's header: kind, raw length, stored length, checksum.
    static let blockHeaderLength = 13

    static func decode(_ source: Source) throws(LogError) -> Snapshot {
        let length = source.length
        guard length >= Self.headerLength else { throw .malformed("not a snapshot") }
        let header = try source.read(Self.headerLength, at: 0)
        var reader = BinaryReader(header)
        guard try reader.u32() == Self.magic else { throw .malformed("not a snapshot") }
        let version = try reader.u16()
        guard EventCodec.readableVersions.contains(version) else { throw .malformed("unknown snapshot version \(version)") }
        let headerFlags = try reader.u16()
        let isCompressed = headerFlags & Self.compressed != 0
        let withWebhooks = headerFlags & Self.orgsHaveWebhooks != 0
        let withSettings = headerFlags & Self.orgsHaveSettings != 0
        let position = try reader.u64()
        let blockCount = Int(try reader.u32())
        guard try reader.u32() == Zlib.crc32(header[0..<20]) else { throw .malformed("header checksum mismatch") }

        // The blocks' headers are walked first (a few hundred small reads); their bytes are
        // read and checked by the thread that decodes them.
        var blocks = [Block]()
        var offset = Self.headerLength
        for _ in 0..<blockCount {
            guard Self.blockHeaderLength <= length - offset else { throw .malformed("block at \(offset) runs past the end") }
            let bytes = try source.read(Self.blockHeaderLength, at: offset)
            var blockReader = BinaryReader(bytes)
            let kind = try blockReader.u8()
            let rawLength = Int(try blockReader.u32())
            let storedLength = Int(try blockReader.u32())
            let crc = try blockReader.u32()
            let storedStart = offset + Self.blockHeaderLength
            guard storedLength <= length - storedStart else { throw .malformed("block at \(offset) runs past the end") }
            guard isCompressed || storedLength == rawLength else {
                throw .malformed("block at \(offset) stores \(storedLength) bytes of \(rawLength) uncompressed")
            }
            blocks.append(
                Block(
                    kind: kind,
                    rawLength: rawLength,
                    stored: storedStart..<(storedStart + storedLength),
                    crc: crc,
                    headerCRC: Zlib.crc32(bytes[0..<9])
                )
            )
            offset = storedStart + storedLength
        }
        guard offset == length else { throw .malformed("trailing bytes after the last block") }

        let blockList = blocks
        let results = Mutex<[Result<DirectoryState?, LogError>?]>(Array(repeating: nil, count: blocks.count))
        // Each block's orgs, kept apart from the results so that the second pass can take them
        // out whole and own them: their rows are then changed in place, not copied.
        let decoded = Mutex([[DecodedOrg]](repeating: [], count: blocks.count))
        // Each thread reads (and inflates) into buffers another block used before, not into new
        // memory for every block: new pages are the kernel's to clear first, and on the generated
        // folder that clearing was the largest part of a start.
        let spareBuffers = Mutex<[(stored: [UInt8], raw: [UInt8])]>([])
        DispatchQueue.concurrentPerform(iterations: blocks.count) { index in
            let block = blockList[index]
            var result: Result<DirectoryState?, LogError>
            var (stored, raw) = spareBuffers.withLock { $0.popLast() } ?? ([], [])
            do throws(LogError) {
                // The block's stored bytes: where they lie in memory, or read from the file.
                let (storedBytes, range): ([UInt8], Range<Int>)
                switch source {
                case .bytes(let bytes):
                    (storedBytes, range) = (bytes, block.stored)
                case .file(let file):
                    do { try file.read(block.stored.count, at: block.stored.lowerBound, into: &stored) } catch {
                        throw .failed("cannot read snapshot block \(index): \(error)")
                    }
                    (storedBytes, range) = (stored, 0..<block.stored.count)
                }
                guard Zlib.crc32(storedBytes[range], continuing: block.headerCRC) == block.crc else {
                    throw .malformed("block \(index) checksum mismatch")
                }
                var blockReader: BinaryReader
                if isCompressed {
                    try Zlib.decompress(storedBytes[range], expectedLength: block.rawLength, into: &raw)
                    blockReader = BinaryReader(raw, to: block.rawLength, format: version)
                } else {
                    // Read where they lie: no copy.
                    blockReader = BinaryReader(storedBytes, from: range.lowerBound, to: range.upperBound, format: version)
                }
                switch block.kind {
                case 0:
                    result = .success(try StateCodec.decodeDirectory(&blockReader))
                case 1:
                    var orgs = [DecodedOrg]()
                    for _ in 0..<(try blockReader.count()) {
                        orgs.append(try StateCodec.decodeOrgRows(&blockReader, withWebhooks: withWebhooks, withSettings: withSettings))
                    }
                    decoded.withLock { $0[index] = orgs }
                    result = .success(nil)
                default:
                    throw .malformed("unknown block kind \(block.kind)")
                }
                guard blockReader.isAtEnd else { throw .malformed("block \(index) has trailing bytes") }
            } catch {
                result = .failure(error)
            }
            spareBuffers.withLock { $0.append((stored, raw)) }
            results.withLock { $0[index] = result }
        }
        var directory: DirectoryState?
        for result in results.withLock({ $0 }) {
            if let blockDirectory = try result!.get() { directory = blockDirectory }
        }
        guard let directory else { throw .malformed("no directory block") }
        return Snapshot(position: position, directory: directory, orgs: try Self.states(of: decoded, sharingAddressesOf: directory))
    }

    /// The orgs' states, each block's built on its own thread, their shared addresses filled in
    /// from `directory`; in the blocks' order.
    private static func states(
        of decoded: borrowing Mutex<[[DecodedOrg]]>,
        sharingAddressesOf directory: DirectoryState
    ) throws(LogError) -> [OrgState] {
        let blockCount = decoded.withLock { $0.count }
        let built = Mutex([Result<[OrgState], LogError>?](repeating: nil, count: blockCount))
        DispatchQueue.concurrentPerform(iterations: blockCount) { index in
            // Taken out of the table, so that this thread holds the only reference to the orgs.
            var orgs = decoded.withLock { blocks in
                defer { blocks[index] = [] }
                return blocks[index]
            }
            var states = [OrgState]()
            states.reserveCapacity(orgs.count)
            let result: Result<[OrgState], LogError>
            do throws(LogError) {
                while let org = orgs.popLast() { states.append(try (consume org).state(sharingAddressesOf: directory)) }
                result = .success(states.reversed())
            } catch {
                result = .failure(error)
            }
            built.withLock { $0[index] = result }
        }
        var states = [OrgState]()
        for result in built.withLock({ $0 }) { states += try result!.get() }
        return states
    }

    /// The newest snapshot that loads, and why any newer ones were skipped.
    public func loadNewest() -> (snapshot: Snapshot?, path: String?, skipped: [String]) {
        var skipped = [String]()
        for candidate in list() {
            do {
                return (try load(candidate.path), candidate.path, skipped)
            } catch {
                skipped.append("\(candidate.path): \(error)")
            }
        }
        return (nil, nil, skipped)
    }

    /// The orgs split into blocks of about `rowsPerBlock` rows, in the snapshot's order.
    private static func blockChunks(_ snapshot: Snapshot, rowsPerBlock: Int) -> [ArraySlice<OrgState>] {
        var chunks = [ArraySlice<OrgState>]()
        var start = 0
        var rows = 0
        for (index, org) in snapshot.orgs.enumerated() {
            rows += 1 + org.members.count + org.invitations.count + org.tenants.count + org.collaborators.count + org.audit.count
            if rows >= rowsPerBlock {
                chunks.append(snapshot.orgs[start...index])
                start = index + 1
                rows = 0
            }
        }
        if start < snapshot.orgs.count { chunks.append(snapshot.orgs[start...]) }
        return chunks
    }

    /// Block `index` as the file holds it: block 0 is the directory, block `i` the orgs of
    /// chunk `i - 1`.
    private static func encodeBlock(_ index: Int, of snapshot: Snapshot, chunks: [ArraySlice<OrgState>], compressed: Bool) -> [UInt8] {
        var writer = BinaryWriter(capacity: 1 << 16)
        let kind: UInt8
        if index == 0 {
            kind = 0
            StateCodec.encode(snapshot.directory, into: &writer)
        } else {
            kind = 1
            let chunk = chunks[index - 1]
            writer.varint(UInt64(chunk.count))
            for org in chunk { StateCodec.encode(org, sharingAddressesOf: snapshot.directory, into: &writer) }
        }
        let stored = compressed ? Zlib.compress(writer.bytes, level: 1) : writer.bytes
        var block = BinaryWriter(capacity: stored.count + blockHeaderLength)
        block.u8(kind)
        block.u32(UInt32(writer.bytes.count))
        block.u32(UInt32(stored.count))
        block.u32(Zlib.crc32(stored, continuing: Zlib.crc32(block.bytes)))
        block.bytes.append(contentsOf: stored)
        return block.bytes
    }
}
