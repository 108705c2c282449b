import MusterDomain
import MusterEngine
import MusterStorage
import MusterTestSupport
import Testing

@testable import MusterLog

/// A snapshot file's blocks are stored as they are encoded, read where they lie; compressed
/// ones (the database's, and files written before) load to the same states; a block whose
/// header says it is stored whole when it is not is refused.
@Suite struct SnapshotFormatTests {
    /// A snapshot of the sample workload's states, written by a real engine, and its file's bytes.
    private static func written(runs: Int = 1) async throws -> (snapshot: Snapshot, bytes: [UInt8]) {
        let directory = TemporaryDirectory()
        let clock = ManualClock()
        let engine = try await DurableEngineTests.open(directory, clock: clock)
        for _ in 0..<runs { try await SampleWorkload.run(on: engine.engine, clock: clock) }
        let written = try await engine.snapshot()
        engine.close()
        let snapshot = try SnapshotStore(directory: directory.path + "/snapshots").load(written.path)
        return (snapshot, try PosixFileSystem().read(written.path))
    }

    /// Each block's offset, kind and lengths, walked from the header.
    private static func blocks(of bytes: [UInt8]) throws -> [(offset: Int, kind: UInt8, raw: Int, stored: Int)] {
        var reader = BinaryReader(bytes, from: 16)
        let count = Int(try reader.u32())
        var blocks = [(offset: Int, kind: UInt8, raw: Int, stored: Int)]()
        var offset = SnapshotStore.headerLength
        for _ in 0..<count {
            var header = BinaryReader(bytes, from: offset)
            let kind = try header.u8()
            let raw = Int(try header.u32())
            let stored = Int(try header.u32())
            blocks.append((offset, kind, raw, stored))
            offset += 13 + stored
        }
        #expect(offset == bytes.count)
        return blocks
    }

    private static func flags(of bytes: [UInt8]) -> UInt16 { UInt16(bytes[6]) | UInt16(bytes[7]) << 8 }

    @Test func aSnapshotFileStoresItsBlocksUncompressedAndLoadsToTheStatesItWasTakenFrom() async throws {
        let (snapshot, bytes) = try await Self.written()
        #expect(Self.flags(of: bytes) & SnapshotStore.compressed == 0)
        let blocks = try Self.blocks(of: bytes)
        #expect(blocks.count >= 2)
        #expect(blocks.allSatisfy { $0.raw == $0.stored })
        // Encoding what was loaded gives the file back byte for byte: nothing was lost or moved.
        #expect(SnapshotStore.encode(snapshot, compressed: false) == bytes)
        #expect(!snapshot.orgs.isEmpty && snapshot.directory.users.count > 0)
    }

    @Test func aCompressedSnapshotAsTheDatabaseKeepsItLoadsToTheSameStates() async throws {
        let (snapshot, plain) = try await Self.written()
        let compressed = SnapshotStore.encode(snapshot, compressed: true)
        #expect(Self.flags(of: compressed) & SnapshotStore.compressed != 0)
        #expect(compressed.count < plain.count)
        let loaded = try SnapshotStore.decode(compressed)
        #expect(loaded.position == snapshot.position)
        #expect(loaded.directory == snapshot.directory)
        #expect(loaded.orgs == snapshot.orgs)
    }

    @Test func anUncompressedBlockWhoseHeaderDisagreesWithItsStoredLengthIsRefused() async throws {
        let (_, bytes) = try await Self.written()
        let block = try #require(try Self.blocks(of: bytes).last)
        // The attacker's file: the raw length raised by one and the block's checksum made to
        // match, so that only the length rule stands between it and a read past the block.
        var forged = bytes
        var raw = BinaryWriter()
        raw.u32(UInt32(block.raw + 1))
        forged.replaceSubrange((block.offset + 1)..<(block.offset + 5), with: raw.bytes)
        let storedRange = (block.offset + 13)..<(block.offset + 13 + block.stored)
        var crc = BinaryWriter()
        crc.u32(Zlib.crc32(forged[storedRange], continuing: Zlib.crc32(forged[block.offset..<(block.offset + 9)])))
        forged.replaceSubrange((block.offset + 9)..<(block.offset + 13), with: crc.bytes)
        #expect {
            try SnapshotStore.decode(forged)
        } throws: { error in
            "\(error)".contains("uncompressed")
        }
    }

    @Test func anOlderSnapshotIsLoadedWhenTheNewestHasADamagedUncompressedBlock() async throws {
        let directory = TemporaryDirectory()
        let clock = ManualClock()
        let engine = try await DurableEngineTests.open(directory, clock: clock)
        try await SampleWorkload.run(on: engine.engine, clock: clock)
        let older = try await engine.snapshot()
        try await SampleWorkload.run(on: engine.engine, clock: clock)
        let newer = try await engine.snapshot()
        engine.close()
        var bytes = try PosixFileSystem().read(newer.path)
        let block = try #require(try Self.blocks(of: bytes).last)
        bytes[block.offset + 13 + block.stored / 2] ^= 0x40
        try PosixFileSystem().writeFile(newer.path, bytes)

        let loaded = SnapshotStore(directory: directory.path + "/snapshots").loadNewest()
        #expect(loaded.path == older.path)
        #expect(loaded.skipped.count == 1 && loaded.skipped[0].contains("checksum"))
    }

    @Test func aCompressedSnapshotFileLoadsFromTheDiskToTheSameStates() async throws {
        let (snapshot, _) = try await Self.written()
        let directory = TemporaryDirectory()
        let path = directory.path + "/00000000000000000001.snap"
        try PosixFileSystem().writeFile(path, SnapshotStore.encode(snapshot, compressed: true))
        let loaded = try SnapshotStore(directory: directory.path).load(path)
        #expect(loaded.position == snapshot.position)
        #expect(loaded.directory == snapshot.directory)
        #expect(loaded.orgs == snapshot.orgs)
    }

    /// A file cut short anywhere, grown, or with a block's length or bytes changed is refused,
    /// read a block at a time from the disk with the same error as from memory.
    @Test func everyCutOrForgedFileIsRefusedFromTheDiskAsFromMemory() async throws {
        let (_, bytes) = try await Self.written()
        let blocks = try Self.blocks(of: bytes)
        let last = try #require(blocks.last)
        var cases: [(name: String, bytes: [UInt8])] = [
            ("empty", []),
            ("inside the header", Array(bytes[0..<10])),
            ("after the header", Array(bytes[0..<SnapshotStore.headerLength])),
            ("inside a block's header", Array(bytes[0..<(last.offset + 5)])),
            ("inside a block", Array(bytes[0..<(last.offset + 13 + last.stored / 2)])),
            ("one byte short", Array(bytes.dropLast())),
            ("one byte more", bytes + [0]),
        ]
        for block in blocks {
            var flipped = bytes
            flipped[block.offset + 13 + block.stored / 2] ^= 0x01
            cases.append(("a byte of block at \(block.offset)", flipped))
            var longer = bytes
            longer[block.offset + 5] &+= 1
            cases.append(("the stored length of block at \(block.offset)", longer))
        }
        var header = bytes
        header[3] ^= 0xFF
        cases.append(("the magic", header))
        var count = bytes
        count[16] &+= 1
        cases.append(("the block count", count))

        let directory = TemporaryDirectory()
        for (name, forged) in cases {
            let path = directory.path + "/forged.snap"
            try PosixFileSystem().writeFile(path, forged)
            var fromMemory = ""
            #expect(throws: LogError.self, "\(name), from memory") {
                do { _ = try SnapshotStore.decode(forged) } catch {
                    fromMemory = "\(error)"
                    throw error
                }
            }
            #expect(throws: LogError.self, "\(name), from the disk") {
                do { _ = try SnapshotStore(directory: directory.path).load(path) } catch {
                    #expect("\(error)" == fromMemory, "\(name)")
                    throw error
                }
            }
        }
    }

    /// The sample workload's orgs, one block each, so that blocks finish out of order.
    @Test func aSnapshotWrittenABlockAtATimeIsTheFileItsBytesDescribe() async throws {
        let (snapshot, _) = try await Self.written(runs: 8)
        try #require(snapshot.orgs.count >= 8)
        let directory = TemporaryDirectory()
        for compressed in [false, true] {
            let path = directory.path + "/\(compressed).snap"
            let file = try PosixFileSystem().open(path, create: true)
            let length = try SnapshotStore.write(snapshot, compressed: compressed, rowsPerBlock: 1, to: file)
            file.close()
            let expected = SnapshotStore.encode(snapshot, compressed: compressed, rowsPerBlock: 1)
            let written = try PosixFileSystem().read(path)
            #expect(length == written.count)
            #expect(written == expected, "compressed: \(compressed)")
            #expect(try Self.blocks(of: written).count == snapshot.orgs.count + 1)
            let loaded = try SnapshotStore(directory: directory.path).load(path)
            #expect(loaded.orgs == snapshot.orgs && loaded.directory == snapshot.directory)
        }
    }

    /// Power lost at every step of writing a snapshot: the write fails, and after power comes
    /// back the folder holds either no snapshot or the whole one, never a part that loads.
    @Test func aSnapshotCutOffAtAnyStepOfItsWritingIsNeverLoadedInPart() async throws {
        let (snapshot, _) = try await Self.written()
        let root = "/muster-power"
        var step = 0
        var completed = false
        while !completed {
            let fileSystem = PowerCutFileSystem(root: root)
            let store = SnapshotStore(directory: root + "/snapshots", fileSystem: fileSystem)
            fileSystem.cutAfter(operations: step, tearing: UInt64(step))
            do {
                _ = try store.write(snapshot)
                completed = !fileSystem.isPoweredOff
            } catch {
                #expect(fileSystem.isPoweredOff, "step \(step): \(error)")
            }
            fileSystem.powerOn()
            let loaded = store.loadNewest()
            if let found = loaded.snapshot {
                #expect(found.position == snapshot.position && found.orgs == snapshot.orgs && found.directory == snapshot.directory, "step \(step)")
            }
            step += 1
            try #require(step < 1_000, "the write never completed")
        }
        #expect(step > 5)
    }
}
