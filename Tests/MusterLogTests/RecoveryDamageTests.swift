import MusterDomain
import MusterEngine
import MusterStorage
import MusterTestSupport
import Testing

@testable import MusterLog

#if canImport(Glibc)
import Glibc
#endif

@Suite struct RecoveryDamageTests {
    /// The single segment of a log written by ``writeFrames``.
    static func onlySegment(_ directory: String) throws -> String {
        directory + "/" + (try PosixFileSystem().list(directory).first { LogRecovery.isSegmentName($0) })!
    }

    @Test func cuttingTheLastRecordAtEveryByteOffsetRecoversTheRecordsBeforeItAndReportsTheCut() async throws {
        let source = TemporaryDirectory()
        let records = try await writeFrames(5, in: source.path)
        let segment = try Self.onlySegment(source.path)
        let bytes = try PosixFileSystem().read(segment)
        let end = Int(try LogRecovery.scan(LogConfiguration(directory: source.path)).tail.offset)
        let lastStart = Int64(end - Self.lastFrameLength(bytes))
        #expect(lastStart > 0)
        for cut in Int(lastStart)..<end {
            for zeroFilled in [false, true] {
                // Zeros over bytes that are zeros already change nothing (a frame may end in one).
                if zeroFilled, bytes[cut..<end].allSatisfy({ $0 == 0 }) { continue }
                let copy = source.copy()
                let path = try Self.onlySegment(copy.path)
                let file = try PosixFileSystem().open(path, create: false)
                if zeroFilled {
                    // A torn write into a preallocated segment: the rest of the frame reads as zeros.
                    try file.write([UInt8](repeating: 0, count: end - cut), at: Int64(cut))
                } else {
                    try file.truncate(Int64(cut))
                }
                file.close()
                let scan = try LogRecovery.scan(LogConfiguration(directory: copy.path))
                #expect(scan.records.map(\.record) == Array(records.prefix(4)), "cut at \(cut)")
                #expect(scan.truncations.count == (cut == Int(lastStart) ? 0 : 1), "cut at \(cut)")
                if let truncation = scan.truncations.first {
                    #expect(truncation.offset == lastStart)
                    #expect(
                        try PosixFileSystem().read(truncation.savedTo) == Array(bytes[Int(lastStart)..<cut]).reversed().drop { $0 == 0 }.reversed()
                    )
                }
                // The log is usable again: a second recovery is clean and appending goes on.
                let again = try LogRecovery.scan(LogConfiguration(directory: copy.path))
                #expect(again.truncations.isEmpty && again.records.count == 4)
            }
        }
    }

    static func lastFrameLength(_ bytes: [UInt8]) -> Int {
        var offset = 0
        var last = 0
        while case .frame(_, let length) = Frame.scan(bytes, at: offset) {
            last = length
            offset += length
        }
        return last
    }

    @Test func aFlippedByteAnywhereEitherStopsTheStartWithItsPlaceOrLosesOnlyTheTornTail() async throws {
        let source = TemporaryDirectory()
        let records = try await writeFrames(60, in: source.path, segmentSize: 1024)
        let names = try PosixFileSystem().list(source.path).filter(LogRecovery.isSegmentName)
        #expect(names.count >= 3)
        var stopped = 0
        for (segmentIndex, name) in names.enumerated() {
            let bytes = try PosixFileSystem().read(source.path + "/" + name)
            let end = (bytes.lastIndex { $0 != 0 } ?? 0) + 1
            for offset in stride(from: 0, to: end, by: 7) {
                let copy = source.copy()
                let file = try PosixFileSystem().open(copy.path + "/" + name, create: false)
                try file.write([bytes[offset] ^ 0x5A], at: Int64(offset))
                file.close()
                do {
                    let scan = try LogRecovery.scan(LogConfiguration(directory: copy.path))
                    // Only damage to the very last frame may be treated as a torn tail.
                    #expect(segmentIndex == names.count - 1, "damage in \(name) at \(offset) was not reported")
                    #expect(scan.records.map(\.record) == Array(records.prefix(scan.records.count)))
                    #expect(scan.records.count == records.count - 1)
                    #expect(scan.truncations.count == 1)
                } catch {
                    guard case .corrupt(let segment, let reportedOffset, _) = error else {
                        Issue.record("unexpected \(error)")
                        continue
                    }
                    stopped += 1
                    #expect(segment == name)
                    #expect(reportedOffset <= Int64(offset))
                }
            }
        }
        #expect(stopped > 0)
    }

    @Test func theOperatorFlagCutsMidLogDamageAndSetsTheLaterSegmentsAside() async throws {
        let source = TemporaryDirectory()
        let records = try await writeFrames(60, in: source.path, segmentSize: 1024)
        let names = try PosixFileSystem().list(source.path).filter(LogRecovery.isSegmentName).sorted()
        // Flip a byte of the second segment's first frame (writing a fixed value would leave it
        // unchanged whenever the byte already had that value: one run in 256).
        let path = source.path + "/" + names[1]
        let byte = try PosixFileSystem().read(path)[40]
        let file = try PosixFileSystem().open(path, create: false)
        try file.write([byte ^ 0xFF], at: 40)
        file.close()
        #expect(throws: LogError.self) { try LogRecovery.scan(LogConfiguration(directory: source.path)) }
        let scan = try LogRecovery.scan(LogConfiguration(directory: source.path), truncateCorruption: true)
        #expect(scan.records.map(\.record) == Array(records.prefix(scan.records.count)))
        #expect(scan.records.count < records.count)
        #expect(scan.truncations.count == names.count - 1)
        #expect(try PosixFileSystem().list(source.path).filter(LogRecovery.isSegmentName).sorted() == Array(names.prefix(2)))
        #expect(try LogRecovery.scan(LogConfiguration(directory: source.path)).records.count == scan.records.count)
    }
}
