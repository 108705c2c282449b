import MusterDomain
import Testing

/// The buffered generator hands out the kernel's bytes: never the same twice, never a pattern.
@Suite struct SecureRandomTests {
    @Test func drawsAreNeverRepeatedAcrossThePoolsRefills() {
        // 20,000 words cross the 4 KiB pool's refill about 40 times.
        var generator = SecureRandom()
        var seen = Set<UInt64>()
        for _ in 0..<20_000 { seen.insert(generator.next()) }
        #expect(seen.count == 20_000)
        #expect(!seen.contains(0), "a wiped, unrefilled slot would read as zero")
    }

    @Test func bytesComeInTheAskedNumberAndLookUniform() {
        for count in [0, 1, 7, 8, 9, 33, 5000] { #expect(SecureRandom.bytes(count).count == count) }
        // 256 KiB: each byte value expected 1,024 times; a broken pool (zeros, a repeated block)
        // is far outside these loose bounds, a sound one inside them but for odds below 1e-9.
        let bytes = SecureRandom.bytes(256 * 1024)
        var counts = [Int](repeating: 0, count: 256)
        for byte in bytes { counts[Int(byte)] += 1 }
        #expect(counts.allSatisfy { (800...1250).contains($0) }, "\(counts.min()!)…\(counts.max()!)")
        let blocks = Set(stride(from: 0, to: bytes.count, by: 4096).map { Array(bytes[$0..<$0 + 4096]) })
        #expect(blocks.count == bytes.count / 4096, "no block of the pool is handed out twice")
    }

    @Test func concurrentDrawsNeverShareAWord() async {
        let draws = await withTaskGroup(of: [UInt64].self) { group in
            for _ in 0..<8 {
                group.addTask {
                    var generator = SecureRandom()
                    return (0..<2_000).map { _ in generator.next() }
                }
            }
            return await group.reduce(into: []) { $0 += $1 }
        }
        #expect(Set(draws).count == draws.count)
    }
}
