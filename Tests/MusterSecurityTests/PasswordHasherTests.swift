import MusterDomain
import MusterSecurity
import Testing

@Suite struct PasswordHasherTests {
    let hasher = PasswordHasher(rounds: 1_000)

    @Test func aHashVerifiesItsPasswordAndNoOther() {
        let hash = hasher.hash("correct horse battery")
        #expect(hash.hasPrefix("$pbkdf2-sha256$i=1000$"))
        #expect(hasher.verify("correct horse battery", against: hash))
        #expect(!hasher.verify("correct horse batterY", against: hash))
        #expect(!hasher.verify("", against: hash))
    }

    @Test func theSamePasswordHashesDifferentlyEachTimeBecauseOfTheSalt() {
        let first = hasher.hash("same password")
        let second = hasher.hash("same password")
        #expect(first != second)
        #expect(hasher.verify("same password", against: first) && hasher.verify("same password", against: second))
    }

    @Test func theRoundCountTravelsWithTheHash() {
        let old = PasswordHasher(rounds: 500).hash("long enough password")
        #expect(hasher.verify("long enough password", against: old))
    }

    @Test func malformedStoredHashesNeverVerify() {
        for stored in [
            "", "plain", "$pbkdf2-sha256$i=0$AAAA$AAAA", "$md5$i=10$AAAA$AAAA", "$pbkdf2-sha256$i=x$AAAA$AAAA", "$pbkdf2-sha256$i=10$!!$AAAA",
        ] {
            #expect(!hasher.verify("anything", against: stored))
        }
    }

    @Test func chosenPasswordsMustBeLongEnoughAndNotHuge() {
        #expect(throws: DomainError.self) { try PasswordHasher.checkChosen("short") }
        #expect(throws: DomainError.self) { try PasswordHasher.checkChosen(String(repeating: "x", count: 300)) }
        #expect(throws: Never.self) { try PasswordHasher.checkChosen("a sensible passphrase") }
    }

    @Test func temporaryPasswordsAreSixteenUnambiguousCharacters() {
        let password = RandomSecret.temporaryPassword()
        #expect(password.count == 16)
        #expect(!password.contains { "0O1lI".contains($0) })
        #expect(RandomSecret.temporaryPassword() != password)
    }
}
