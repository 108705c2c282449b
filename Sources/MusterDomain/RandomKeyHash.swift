/// The hash of a two-word key whose bits are random — an identifier the engine drew, the
/// digest of a secret it made — for `Set` and `Dictionary`, in place of a full SipHash.
///
/// Every table of rows is keyed by such values, and SipHash's set-up and finish were the
/// largest single entry of a start's profile. A multiply-and-shift mix spreads random keys as
/// well, and it is still keyed by the table's seed (drawn per process), so no one outside can
/// aim two keys at one bucket. Keys a caller chooses (emails, names) keep SipHash.
@usableFromInline
enum RandomKeyHash {
    /// Mixes `first` and `second` with `seed`.
    @inlinable
    static func mix(_ first: UInt64, _ second: UInt64, seed: Int) -> Int {
        var mixed = (first ^ UInt64(truncatingIfNeeded: seed)) &* 0x9E37_79B9_7F4A_7C15
        mixed ^= second &+ (mixed >> 29)
        mixed = (mixed ^ (mixed >> 32)) &* 0xBF58_476D_1CE4_E5B9
        return Int(truncatingIfNeeded: mixed ^ (mixed >> 31))
    }
}
