import CZlib

/// The system zlib, used to compress log batches and snapshots, and its CRC-32.
///
/// Linked directly (a system-library target) rather than through a package: the log needs
/// one-shot buffer compression and a checksum, which are two C calls, and the system library
/// is what operators already patch.
package enum Zlib {
    /// Compresses `input` at `level` (1 fastest … 9 smallest).
    package static func compress(_ input: [UInt8], level: Int32 = 1) -> [UInt8] {
        var outputLength = compressBound(uLong(input.count))
        var output = [UInt8](repeating: 0, count: Int(outputLength))
        let status = input.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { destination in
                compress2(destination.baseAddress, &outputLength, source.baseAddress, uLong(source.count), level)
            }
        }
        precondition(status == Z_OK, "zlib compress2 failed with \(status)")
        output.removeLast(output.count - Int(outputLength))
        return output
    }

    /// Decompresses `input`, which must expand to exactly `expectedLength` bytes.
    package static func decompress(_ input: ArraySlice<UInt8>, expectedLength: Int) throws(LogError) -> [UInt8] {
        var output = [UInt8]()
        try decompress(input, expectedLength: expectedLength, into: &output)
        return output
    }

    /// Inflates `input` into the first `expectedLength` bytes of `output`, reusing its storage
    /// when it is long enough (it is never shortened, so it may hold more).
    ///
    /// For a reader of many payloads in a row (a snapshot's blocks): inflating each into new
    /// memory would have the kernel find and clear fresh pages for every one of them.
    package static func decompress(_ input: ArraySlice<UInt8>, expectedLength: Int, into output: inout [UInt8]) throws(LogError) {
        guard expectedLength >= 0, expectedLength <= 1 << 30 else { throw .malformed("implausible uncompressed length \(expectedLength)") }
        if output.count < expectedLength { output = [UInt8](repeating: 0, count: expectedLength) }
        var outputLength = uLong(expectedLength)
        let status = input.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { destination in
                uncompress(destination.baseAddress, &outputLength, source.baseAddress, uLong(source.count))
            }
        }
        guard status == Z_OK, Int(outputLength) == expectedLength else {
            throw .malformed("zlib could not decompress the payload (status \(status))")
        }
    }

    /// The CRC-32 (IEEE) of `bytes`, continuing from `crc`.
    package static func crc32(_ bytes: some Collection<UInt8>, continuing crc: UInt32 = 0) -> UInt32 {
        var result = uLong(crc)
        if let direct = bytes.withContiguousStorageIfAvailable({ buffer in
            CZlib.crc32(uLong(crc), buffer.baseAddress, uInt(buffer.count))
        }) {
            result = direct
        } else {
            let copy = Array(bytes)
            result = copy.withUnsafeBufferPointer { CZlib.crc32(uLong(crc), $0.baseAddress, uInt($0.count)) }
        }
        return UInt32(truncatingIfNeeded: result)
    }
}
