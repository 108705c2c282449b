import MusterDomain
import MusterEngine
import MusterStorage
import MusterTestSupport
import Synchronization
import Testing

@testable import MusterLog

/// A snapshot file's blocks are stored as they are encoded, written and read a block at a time;
/// compressed ones (the database's, and files written before) load to the same states; a file
/// cut, forged or refused by the disk never loads in part, from the disk as from memory.
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

    /// Expects each file refused, loaded from the disk a block at a time with the same error as
    /// decoded from memory.
    private static func expectRefusedAlike(_ cases: [(name: String, bytes: [UInt8])]) throws {
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

        try Self.expectRefusedAlike(cases)
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
                // A write that returned is durable: power lost right after it keeps the whole file.
                fileSystem.cut()
                fileSystem.powerOn()
                let loaded = store.loadNewest()
                #expect(loaded.skipped.isEmpty && loaded.snapshot?.orgs == snapshot.orgs, "step \(step): \(loaded.skipped)")
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

    /// The disk refusing any one of a snapshot's writes: the write fails with the disk's error,
    /// leaves neither the file nor its temporary behind, and the snapshot before it still loads.
    @Test func aSnapshotWhoseWriteFailsLeavesNothingAndTheOneBeforeStillLoads() async throws {
        let (snapshot, _) = try await Self.written(runs: 8)
        let directory = TemporaryDirectory()
        let fileSystem = FaultyFileSystem()
        let store = SnapshotStore(directory: directory.path + "/snapshots", fileSystem: fileSystem)
        var earlier = snapshot
        earlier.position -= 1
        let kept = try store.write(earlier)
        let blocks = try Self.blocks(of: try PosixFileSystem().read(kept.path)).count
        for failing in [0, 1, blocks / 2, blocks] {
            fileSystem.writesBeforeFailing.store(failing, ordering: .sequentiallyConsistent)
            #expect(throws: LogError.self, "failing after \(failing) writes") { try store.write(snapshot) }
            fileSystem.writesBeforeFailing.store(.max, ordering: .sequentiallyConsistent)
            #expect(try PosixFileSystem().list(directory.path + "/snapshots") == [kept.path.split(separator: "/").last.map(String.init)!])
            let loaded = store.loadNewest()
            #expect(loaded.path == kept.path && loaded.skipped.isEmpty)
            #expect(loaded.snapshot?.position == earlier.position && loaded.snapshot?.orgs == snapshot.orgs)
        }
    }

    /// Forgeries whose checksums were made to match, so that only the rules of the walk and the
    /// blocks stand in the way: refused from the disk with the same error as from memory.
    @Test func aForgedFileWithMatchingChecksumsIsRefusedFromTheDiskAsFromMemory() async throws {
        let (snapshot, plain) = try await Self.written(runs: 2)
        let compressed = SnapshotStore.encode(snapshot, compressed: true)
        /// `bytes` with the header's checksum made to match.
        func sealHeader(_ bytes: [UInt8]) -> [UInt8] {
            var sealed = bytes
            var crc = BinaryWriter()
            crc.u32(Zlib.crc32(sealed[0..<20]))
            sealed.replaceSubrange(20..<24, with: crc.bytes)
            return sealed
        }
        /// `bytes` with the block at `offset`'s field at `field` (1: raw length, 5: stored
        /// length) set to `value`, and its checksum made to match over what it now claims.
        func forgeBlock(_ bytes: [UInt8], at offset: Int, field: Int, value: UInt32) -> [UInt8] {
            var forged = bytes
            var number = BinaryWriter()
            number.u32(value)
            forged.replaceSubrange((offset + field)..<(offset + field + 4), with: number.bytes)
            let stored = Int(
                UInt32(forged[offset + 5]) | UInt32(forged[offset + 6]) << 8 | UInt32(forged[offset + 7]) << 16 | UInt32(forged[offset + 8]) << 24
            )
            let end = min(forged.count, offset + 13 + stored)
            var crc = BinaryWriter()
            crc.u32(Zlib.crc32(forged[(offset + 13)..<end], continuing: Zlib.crc32(forged[offset..<(offset + 9)])))
            forged.replaceSubrange((offset + 9)..<(offset + 13), with: crc.bytes)
            return forged
        }
        var cases = [(name: String, bytes: [UInt8])]()
        for (kind, bytes) in [("plain", plain), ("compressed", compressed)] {
            let blocks = try Self.blocks(of: bytes)
            let count = UInt32(blocks.count)
            for (delta, label) in [(UInt32(1), "one more"), (UInt32.max, "one fewer")] {
                var forged = bytes
                var number = BinaryWriter()
                number.u32(count &+ delta)
                forged.replaceSubrange(16..<20, with: number.bytes)
                cases.append(("\(kind): a block count of \(label)", sealHeader(forged)))
            }
            let last = try #require(blocks.last)
            cases.append(("\(kind): a stored length of 4 GiB", forgeBlock(bytes, at: last.offset, field: 5, value: .max)))
            cases.append(("\(kind): a raw length of 4 GiB", forgeBlock(bytes, at: last.offset, field: 1, value: .max)))
            cases.append(("\(kind): a raw length one short", forgeBlock(bytes, at: last.offset, field: 1, value: UInt32(last.raw - 1))))
        }
        try Self.expectRefusedAlike(cases)
    }
}
