import Testing

@testable import MusterDomain

/// The address rules, and the ASCII fast path that must apply exactly the same ones.
@Suite("Email addresses")
struct EmailAddressTests {
    /// What validating `lowered` with `check` gives: `nil` when it passes, else the message.
    private static func outcome(_ lowered: String, _ check: (String, String) throws(DomainError) -> Void) -> String? {
        do {
            try check(lowered, lowered)
            return nil
        } catch {
            return error.message
        }
    }

    @Test(
        "Addresses are normalised, and each malformed one is refused with its reason",
        arguments: [
            (" Ann@Example.ORG ", "ann@example.org"),
            ("a@b.c", "a@b.c"),
            ("", "email is required"),
            ("ann", "'ann' is not an email address"),
            ("@example.org", "'@example.org' is not an email address"),
            ("a@b@example.org", "'a@b@example.org' is not an email address"),
            (String(repeating: "a", count: 65) + "@example.org", "'\(String(repeating: "a", count: 65))@example.org' is not an email address"),
            ("ann@example", "'ann@example' is not an email address: the domain needs a dot"),
            ("ann@example.", "'ann@example.' is not an email address: the domain needs a dot"),
            ("ann@.example.org", "'ann@.example.org' is not an email address: the domain needs a dot"),
            ("ann@", "'ann@' is not an email address: the domain needs a dot"),
            ("ann smith@example.org", "'ann smith@example.org' is not an email address: it has a character mail cannot carry"),
            ("<ann>@example.org", "'<ann>@example.org' is not an email address: it has a character mail cannot carry"),
            ("ann@exämple.org", "ann@exämple.org"),
        ]
    )
    func normalisesAndRefuses(raw: String, expected: String) {
        do {
            #expect(try EmailAddress(raw).value == expected)
        } catch {
            #expect(error.message == expected)
        }
    }

    @Test("The ASCII path refuses and accepts exactly what the character path does, with the same message")
    func asciiPathMatchesTheCharacterPath() {
        // Every kind of byte the rules tell apart: letters, the separators, refused punctuation,
        // white space, CR and LF (one character together, two bytes), DEL.
        let alphabet: [String] = ["a", "z", "0", "@", ".", "-", "+", "<", "\"", "\\", ":", " ", "\t", "\r", "\n", "\r\n", "\u{7F}", "_"]
        var generator = SystemRandomNumberGenerator()
        var compared = 0
        for _ in 0..<20_000 {
            func random(_ lengths: ClosedRange<Int>) -> String {
                (0..<Int.random(in: lengths, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! }.joined()
            }
            // Half free text, half shaped like an address, so that both passes and each refusal occur.
            let text = Bool.random(using: &generator) ? random(1...14) : random(0...4) + "@" + random(0...3) + "." + random(0...3)
            #expect(
                Self.outcome(text, EmailAddress.validateASCII) == Self.outcome(text, EmailAddress.validateCharacters),
                "\(Array(text.utf8))"
            )
            compared += 1
        }
        for local in [63, 64, 65] {
            let text = String(repeating: "a", count: local) + "@example.org"
            #expect(Self.outcome(text, EmailAddress.validateASCII) == Self.outcome(text, EmailAddress.validateCharacters))
        }
        #expect(compared == 20_000)
    }
}
