#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file open for reading, a range at a time.
///
/// A snapshot is read this way at a start: each decoding thread reads the block it decodes
/// into a buffer it used before, so hundreds of megabytes never land in fresh memory first.
public protocol ReadableFile: AnyObject, Sendable {
    /// The file's path, for errors.
    var path: String { get }
    /// The file's length in bytes when it was opened.
    var length: Int { get }
    /// Fills `buffer` from the file's bytes at `offset`; a range past the end is an error,
    /// never a short read.
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) throws(FileSystemError)
    /// Lets the file go.
    func close()
}

extension ReadableFile {
    /// Replaces the first `count` of `buffer`'s bytes with the file's at `offset`, growing it
    /// if it is shorter (only then is memory allocated). A range outside the file is refused
    /// before anything changes; after a failed read from the disk the bytes are unspecified.
    public func read(_ count: Int, at offset: Int, into buffer: inout [UInt8]) throws(FileSystemError) {
        guard offset >= 0, count >= 0, count <= length - offset else { throw FileSystemError(operation: "read", path: path, code: EINVAL) }
        // Zeroed, not left uninitialised: a buffer is grown a few times a start (a block is about
        // a megabyte), and a failed read then leaves nothing undefined in it.
        if buffer.count < count { buffer = [UInt8](repeating: 0, count: count) }
        let failure: FileSystemError? = buffer.withUnsafeMutableBytes { raw in
            do throws(FileSystemError) {
                try read(into: UnsafeMutableRawBufferPointer(rebasing: raw[0..<count]), at: offset)
                return nil
            } catch {
                return error
            }
        }
        if let failure { throw failure }
    }
}

/// A file's bytes held in memory, its ranges copied out of them.
final class InMemoryFile: ReadableFile {
    let bytes: [UInt8]
    let path: String

    init(bytes: [UInt8], path: String) {
        self.bytes = bytes
        self.path = path
    }

    var length: Int { bytes.count }

    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) throws(FileSystemError) {
        guard offset >= 0, buffer.count <= bytes.count - offset else {
            throw FileSystemError(operation: "read", path: path, code: EIO)
        }
        bytes.withUnsafeBytes { buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[offset..<(offset + buffer.count)])) }
    }

    func close() {}
}

/// A file open read-only through POSIX calls. The descriptor is immutable and `pread` on it is
/// thread-safe, so sharing the object across threads is sound.
final class PosixReadableFile: ReadableFile {
    let descriptor: Int32
    let path: String
    let length: Int

    init(descriptor: Int32, path: String, length: Int) {
        self.descriptor = descriptor
        self.path = path
        self.length = length
    }

    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) throws(FileSystemError) {
        guard offset >= 0, buffer.count <= length - offset else { throw FileSystemError(operation: "read", path: path, code: EIO) }
        var done = 0
        while done < buffer.count {
            let count = pread(descriptor, buffer.baseAddress! + done, buffer.count - done, off_t(offset + done))
            if count < 0, errno == EINTR { continue }
            // The file shrank under the reader: nothing to read is an error, not a short range.
            guard count > 0 else { throw FileSystemError(operation: "read", path: path, code: count < 0 ? errno : EIO) }
            done += count
        }
    }

    func close() {
        Glibc.close(descriptor)
    }
}
