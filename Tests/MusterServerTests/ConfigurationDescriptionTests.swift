import MusterDelivery
import MusterEngine
import MusterSecurity
import Testing

@testable import MusterServer

/// What the settings print as, for log lines: never a secret.
@Suite("Settings in log lines")
struct ConfigurationDescriptionTests {
    @Test("Attacker: the server's settings and its SMTP settings print without the admin token or the SMTP password")
    func settingsPrintWithoutSecrets() {
        var configuration = ServerConfiguration()
        configuration.adminToken = "admin-token-that-must-not-be-logged-0123"
        configuration.smtp = SMTPSettings(
            host: "mail.example.org",
            port: 587,
            security: .startTLS,
            username: "muster",
            password: "smtp-password-9876"
        )
        let printed = ["\(configuration)", String(describing: configuration), "\(configuration.smtp!)"]
        for text in printed {
            #expect(!text.contains("admin-token-that-must-not-be-logged"))
            #expect(!text.contains("smtp-password-9876"))
        }
        #expect(printed[0].contains("mail.example.org:587"), "what is not secret is still said: \(printed[0])")
        #expect(printed[2] == "smtp://muster@mail.example.org:587 (starttls, with a password)")
    }

    @Test("Attacker: the engine's source prints without the server secret")
    func engineSourcePrintsWithoutTheSecret() {
        let source = EngineSource.durable(secret: [201, 202, 203, 204], hasher: PasswordHasher(rounds: 1_000), clock: ManualClock())
        #expect("\(source)" == "durable")
    }
}
