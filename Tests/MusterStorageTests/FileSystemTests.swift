import MusterTestSupport
import Testing

@testable import MusterStorage

#if canImport(Glibc)
import Glibc
#endif

/// The real file system's directory walks: names read in place from `readdir`'s records (run
/// under AddressSanitizer by `scripts/test`, where an over-read of a record fails), and the
/// start's permission pass kept off the mail folder.
@Suite struct FileSystemTests {
    private static func touch(_ path: String, mode: mode_t = 0o600) throws {
        let descriptor = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, mode)
        try #require(descriptor >= 0, "cannot create \(path): errno \(errno)")
        fchmod(descriptor, mode)
        close(descriptor)
    }

    private static func mode(_ path: String) -> mode_t {
        var status = stat()
        _ = lstat(path, &status)
        return status.st_mode & 0o777
    }

    @Test func aFolderHoldingNamesOfEveryLengthFrom1To255BytesListsEachNameWhole() throws {
        let directory = TemporaryDirectory()
        var expected = Set<String>()
        for length in 1...255 {
            // Letters that differ by length, so every entry has its own record size.
            let name = String(repeating: Character(UnicodeScalar(UInt8(97 + length % 26))), count: length)
            try Self.touch(directory.path + "/" + name)
            expected.insert(name)
        }
        // Multi-byte names whose byte length is 255 (the limit) and just below it.
        for name in [String(repeating: "é", count: 127) + "x", String(repeating: "ŵ", count: 127), String(repeating: "😀", count: 63) + "abc"] {
            try #require(name.utf8.count <= 255)
            try Self.touch(directory.path + "/" + name)
            expected.insert(name)
        }
        let listed = try PosixFileSystem().list(directory.path)
        #expect(listed.count == expected.count)
        #expect(Set(listed) == expected)
        #expect(listed == listed.sorted())
    }

    @Test func listingAFolderThatDoesNotExistSaysWhichAndWhy() {
        #expect(throws: FileSystemError(operation: "opendir", path: "/nonexistent-muster-folder", code: ENOENT)) {
            try PosixFileSystem().list("/nonexistent-muster-folder")
        }
    }

    @Test func restrictingAFolderTightensEveryFileButLeavesTheUnwalkedFolderClosedAndUnread() throws {
        let directory = TemporaryDirectory()
        let fileSystem = PosixFileSystem()
        try fileSystem.createDirectory(directory.path + "/log")
        try fileSystem.createDirectory(directory.path + "/mail/2026-12-05")
        try Self.touch(directory.path + "/secret", mode: 0o644)
        try Self.touch(directory.path + "/log/0001.wal", mode: 0o666)
        try Self.touch(directory.path + "/mail/2026-12-05/1-0.eml", mode: 0o644)
        chmod(directory.path + "/mail", 0o755)

        try fileSystem.restrictToOwner(directory.path, unwalked: ["mail"])

        #expect(Self.mode(directory.path + "/secret") == 0o600)
        #expect(Self.mode(directory.path + "/log/0001.wal") == 0o600)
        #expect(Self.mode(directory.path + "/mail") == 0o700, "the mail folder itself is closed to others")
        #expect(Self.mode(directory.path + "/mail/2026-12-05/1-0.eml") == 0o644, "the mail folder's content is not walked")
    }

    @Test func aDirectoryMadeWithItsParentsCanBeRemovedOnceEmpty() throws {
        let directory = TemporaryDirectory()
        let fileSystem = PosixFileSystem()
        try fileSystem.createDirectory(directory.path + "/a/b/c")
        #expect(fileSystem.exists(directory.path + "/a/b/c"))
        #expect(Self.mode(directory.path + "/a/b") == 0o700)
        try Self.touch(directory.path + "/a/b/c/file")
        #expect(throws: FileSystemError.self) { try fileSystem.removeDirectory(directory.path + "/a/b/c") }
        try fileSystem.remove(directory.path + "/a/b/c/file")
        try fileSystem.removeDirectory(directory.path + "/a/b/c")
        #expect(!fileSystem.exists(directory.path + "/a/b/c"))
    }

    @Test func aFileLargeEnoughToBeReadInPiecesReadsBackWholeAndInOrder() throws {
        let directory = TemporaryDirectory()
        let path = directory.path + "/large"
        // Three pieces and an odd tail, each byte telling its offset apart from its neighbours'.
        let length = 3 * PosixFileSystem.readPieceMinimum + 12_345
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        let bytes = (0..<length).map { _ -> UInt8 in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: state >> 33)
        }
        try PosixFileSystem().writeFile(path, bytes)
        #expect(try PosixFileSystem().read(path) == bytes)
        try PosixFileSystem().writeFile(path, [])
        #expect(try PosixFileSystem().read(path) == [])
    }

    @Test func readingWhatIsNotAFileSaysWhichAndWhyInsteadOfHandingBackGarbage() throws {
        let directory = TemporaryDirectory()
        // A folder opens read-only, and has a size, but every read of it fails.
        #expect {
            _ = try PosixFileSystem().read(directory.path)
        } throws: { error in
            (error as? FileSystemError)?.path == directory.path && (error as? FileSystemError)?.operation == "read"
        }
    }
}
