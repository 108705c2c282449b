import MusterTestSupport
import Testing

@testable import MusterStorage

/// A file read a range at a time gives exactly the bytes at each range, and a range that does
/// not lie inside the file is an error rather than a short or padded read — from the disk (run
/// under AddressSanitizer by `scripts/test`, where a write past the buffer fails) and from
/// memory alike.
@Suite struct ReadableFileTests {
    private static let content: [UInt8] = (0..<10_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 8) }

    private static func files() throws -> (directory: TemporaryDirectory, files: [(name: String, file: any ReadableFile)]) {
        let directory = TemporaryDirectory()
        let path = directory.path + "/bytes"
        try PosixFileSystem().writeFile(path, content)
        return (directory, [("posix", try PosixFileSystem().openForReading(path)), ("memory", InMemoryFile(bytes: content, path: path))])
    }

    @Test func everyRangeInsideTheFileReadsTheBytesAtThatRange() throws {
        let (directory, files) = try Self.files()
        _ = directory
        for (name, file) in files {
            defer { file.close() }
            #expect(file.length == Self.content.count, "\(name)")
            var buffer = [UInt8]()
            for (offset, count) in [(0, 0), (0, 1), (0, 10_000), (1, 9_999), (4_095, 4_097), (9_999, 1), (10_000, 0), (5_000, 13)] {
                try file.read(count, at: offset, into: &buffer)
                #expect(Array(buffer[0..<count]) == Array(Self.content[offset..<(offset + count)]), "\(name) \(offset)+\(count)")
            }
        }
    }

    @Test func aReadIntoALongerBufferFillsItsFrontAndKeepsItsLength() throws {
        let (directory, files) = try Self.files()
        _ = directory
        for (name, file) in files {
            defer { file.close() }
            var buffer = [UInt8](repeating: 0xEE, count: 100)
            try file.read(10, at: 20, into: &buffer)
            #expect(buffer.count == 100, "\(name)")
            #expect(Array(buffer[0..<10]) == Array(Self.content[20..<30]), "\(name)")
            #expect(buffer[10..<100].allSatisfy { $0 == 0xEE }, "\(name)")
        }
    }

    @Test func aRangeThatDoesNotLieInsideTheFileIsAnErrorAndLeavesTheBufferAlone() throws {
        let (directory, files) = try Self.files()
        _ = directory
        for (name, file) in files {
            defer { file.close() }
            for (offset, count) in [(9_999, 2), (10_000, 1), (0, 10_001), (-1, 1), (Int.max, 1), (20_000, 0)] {
                var buffer = [UInt8](repeating: 7, count: 4)
                #expect(throws: FileSystemError.self, "\(name) \(offset)+\(count)") {
                    try file.read(count, at: offset, into: &buffer)
                }
                #expect(buffer == [7, 7, 7, 7], "\(name) \(offset)+\(count)")
            }
        }
    }

    @Test func aFileThatShrankAfterItWasOpenedIsAnErrorNotAShortRead() throws {
        let directory = TemporaryDirectory()
        let path = directory.path + "/bytes"
        try PosixFileSystem().writeFile(path, Self.content)
        let file = try PosixFileSystem().openForReading(path)
        defer { file.close() }
        try PosixFileSystem().writeFile(path, Array(Self.content[0..<100]))
        var buffer = [UInt8]()
        #expect(throws: FileSystemError.self) { try file.read(200, at: 0, into: &buffer) }
    }

    @Test func aMissingFileCannotBeOpenedForReading() {
        #expect(throws: FileSystemError.self) { try PosixFileSystem().openForReading("/nonexistent/muster/file") }
    }
}
