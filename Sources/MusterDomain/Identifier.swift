#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A 128-bit identifier, typed by the kind of record it names.
///
/// The phantom `Entity` parameter keeps an invitation id from being passed where a tenant id is
/// expected, at no cost: the value is two machine words, stored inline, hashed and compared as
/// integers. Identifiers are generated outside the domain (the engine draws time-ordered ones) and
/// arrive in commands, so `decide` stays deterministic.
public struct Identifier<Entity>: Hashable, Sendable, Comparable {
    /// The high 64 bits.
    public var high: UInt64
    /// The low 64 bits.
    public var low: UInt64

    /// Creates an identifier from its two halves.
    @inlinable
    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// Creates a random identifier in the shape of a version-4 UUID, from the system's secure
    /// generator (``SecureRandom``).
    public static func random() -> Self {
        var generator = SecureRandom()
        return random(using: &generator)
    }

    /// Creates a random identifier in the shape of a version-4 UUID, from the given generator.
    public static func random(using generator: inout some RandomNumberGenerator) -> Self {
        let high = (generator.next() & 0xFFFF_FFFF_FFFF_0FFF) | 0x0000_0000_0000_4000
        let low = (generator.next() & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000
        return Self(high: high, low: low)
    }

    /// Creates a new identifier in the shape of a version-7 UUID: the 48-bit Unix time in
    /// milliseconds first, then 74 random bits from the system's secure generator.
    ///
    /// This is how the engine names every new record and link nonce. Ids made close together
    /// share their leading bytes, so a log frame of them compresses, and they sort in the order
    /// they were made. The time is the machine's real clock, read here rather than passed in
    /// because it is only a prefix: nothing decides by it, and ids are never parsed for it.
    public static func timeOrdered() -> Self {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        var generator = SecureRandom()
        return timeOrdered(millisecondsSinceEpoch: Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000, using: &generator)
    }

    /// Creates a version-7 identifier for the time `millisecondsSinceEpoch`, with its 74 random
    /// bits from `generator`.
    public static func timeOrdered(millisecondsSinceEpoch: Int64, using generator: inout some RandomNumberGenerator) -> Self {
        let time = UInt64(truncatingIfNeeded: millisecondsSinceEpoch) & 0xFFFF_FFFF_FFFF
        let high = time << 16 | 0x7000 | (generator.next() & 0x0FFF)
        let low = (generator.next() & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000
        return Self(high: high, low: low)
    }

    /// Parses the canonical 36-character UUID text form (either case); `nil` for anything else.
    public init?(_ text: some StringProtocol) {
        self.init(String(text))
    }

    /// Parses a UUID's text from a string without copying it: the path ids and body ids of
    /// every request come this way (a batch of access checks parses two thousand).
    public init?(_ text: String) {
        var text = text
        guard let parsed = text.withUTF8(Self.parse) else { return nil }
        self = parsed
    }

    private static func parse(_ utf8: UnsafeBufferPointer<UInt8>) -> Self? {
        guard utf8.count == 36 else { return nil }
        var value: (UInt64, UInt64) = (0, 0)
        var nibbles = 0
        for (index, byte) in utf8.enumerated() {
            if index == 8 || index == 13 || index == 18 || index == 23 {
                guard byte == UInt8(ascii: "-") else { return nil }
                continue
            }
            let nibble: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): nibble = byte - UInt8(ascii: "A") + 10
            default: return nil
            }
            if nibbles < 16 {
                value.0 = value.0 << 4 | UInt64(nibble)
            } else {
                value.1 = value.1 << 4 | UInt64(nibble)
            }
            nibbles += 1
        }
        return Self(high: value.0, low: value.1)
    }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        (lhs.high, lhs.low) < (rhs.high, rhs.low)
    }
}

extension Identifier: CustomStringConvertible {
    /// The canonical lower-case UUID text form.
    public var description: String {
        String(unsafeUninitializedCapacity: 36) { buffer in
            writeText(into: UnsafeMutableRawBufferPointer(buffer))
            return 36
        }
    }

    /// Appends the canonical lower-case UUID text form (36 bytes) to `bytes`, with no string
    /// made on the way: answers write every id this way.
    public func appendText(to bytes: inout [UInt8]) {
        let start = bytes.count
        bytes.append(contentsOf: repeatElement(0, count: 36))
        bytes.withUnsafeMutableBytes { raw in writeText(into: UnsafeMutableRawBufferPointer(rebasing: raw[start..<start + 36])) }
    }

    /// Writes the 36 bytes of the text form into `buffer`, which holds at least 36.
    private func writeText(into buffer: UnsafeMutableRawBufferPointer) {
        let digits: StaticString = "0123456789abcdef"
        var index = 0
        for position in 0..<32 {
            if position == 8 || position == 12 || position == 16 || position == 20 {
                buffer[index] = UInt8(ascii: "-")
                index += 1
            }
            let value = position < 16 ? high : low
            buffer[index] = digits.utf8Start[Int((value >> UInt64(60 - (position % 16) * 4)) & 0xF)]
            index += 1
        }
    }
}

/// Tag for organisation identifiers.
public enum OrganisationTag {}
/// Tag for user identifiers.
public enum UserTag {}
/// Tag for invitation identifiers.
public enum InvitationTag {}
/// Tag for tenant identifiers.
public enum TenantTag {}
/// Tag for collaborator identifiers.
public enum CollaboratorTag {}
/// Tag for workspace item identifiers (notes, goals, sessions, documents).
public enum WorkspaceItemTag {}
/// Tag for org API key identifiers.
public enum APIKeyTag {}
/// Tag for sign-in link identifiers.
public enum SignInLinkTag {}

/// Names an organisation.
public typealias OrganisationID = Identifier<OrganisationTag>
/// Names a user.
public typealias UserID = Identifier<UserTag>
/// Names an invitation.
public typealias InvitationID = Identifier<InvitationTag>
/// Names a tenant (a person whose case an org works).
public typealias TenantID = Identifier<TenantTag>
/// Names a collaborator row.
public typealias CollaboratorID = Identifier<CollaboratorTag>
/// Names a note, goal, session or document in a tenant's workspace.
public typealias WorkspaceItemID = Identifier<WorkspaceItemTag>
/// Names an org API key.
public typealias APIKeyID = Identifier<APIKeyTag>
/// Names a sign-in link.
public typealias SignInLinkID = Identifier<SignInLinkTag>

extension Identifier {
    /// The hash a `Set` or `Dictionary` files the identifier under (see ``RandomKeyHash``):
    /// the engine draws every new identifier, 62 of its bits from the kernel's secure
    /// generator, so the keys a table files are never a caller's choice.
    @inlinable
    public func _rawHashValue(seed: Int) -> Int {
        RandomKeyHash.mix(low, high, seed: seed)
    }
}
