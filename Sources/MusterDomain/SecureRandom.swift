import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The system's cryptographically secure random bytes, drawn from the kernel 4 KiB at a time
/// (`getentropy`) and handed out from a buffer, so an id or a nonce costs a lock instead of a
/// system call.
///
/// `SystemRandomNumberGenerator` asks the kernel for every eight bytes; a command that draws an
/// id and a link nonce, and a token of 32 bytes drawn a byte at a time, made dozens of system
/// calls. The bytes are the kernel's own, unchanged and used once each: buffering moves where
/// they wait, not how they were made. The buffer is a page of this process's memory kept out of
/// core dumps and wiped in a forked child.
public struct SecureRandom: RandomNumberGenerator, Sendable {
    /// Creates a generator; every instance draws from the one process-wide buffer.
    public init() {}

    /// The next eight random bytes.
    public mutating func next() -> UInt64 {
        Self.pool.withLock { $0.nextWord() }
    }

    /// `count` random bytes.
    public static func bytes(_ count: Int) -> [UInt8] {
        var bytes = [UInt8]()
        bytes.reserveCapacity(count + 7)
        var generator = SecureRandom()
        while bytes.count < count {
            withUnsafeBytes(of: generator.next()) { bytes.append(contentsOf: $0) }
        }
        bytes.removeLast(bytes.count - count)
        return bytes
    }

    private static let pool = Mutex(Pool())

    /// Random bytes from the kernel not yet handed out.
    private struct Pool: ~Copyable {
        static let size = 4096
        let storage: UnsafeMutableRawBufferPointer = {
            // A page of its own, kept out of core dumps and wiped in a forked child, so bytes not
            // yet handed out are neither written to disk nor handed out twice.
            let page = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: size)
            #if os(Linux)
            _ = madvise(page.baseAddress, size, 16)  // MADV_DONTDUMP
            _ = madvise(page.baseAddress, size, 18)  // MADV_WIPEONFORK
            #endif
            return page
        }()
        /// The first byte not yet handed out; `size` when the pool is empty.
        var next = size

        mutating func nextWord() -> UInt64 {
            if next == Self.size {
                Self.kernelRandom(storage)
                next = 0
            }
            let word = storage.loadUnaligned(fromByteOffset: next, as: UInt64.self)
            // Handed-out bytes are wiped, so nothing left in the pool was ever seen before.
            storage.storeBytes(of: 0, toByteOffset: next, as: UInt64.self)
            next += 8
            return word
        }

        /// Fills `buffer` from the kernel's secure generator (`getentropy`, 256 bytes a call);
        /// a failure here is unrecoverable, since no secret may be made without it.
        private static func kernelRandom(_ buffer: UnsafeMutableRawBufferPointer) {
            var filled = 0
            while filled < buffer.count {
                let count = min(256, buffer.count - filled)
                guard getentropy(buffer.baseAddress! + filled, count) == 0 else {
                    guard errno == EINTR else { fatalError("getentropy failed: errno \(errno)") }
                    continue
                }
                filled += count
            }
        }

        deinit { storage.deallocate() }
    }
}
