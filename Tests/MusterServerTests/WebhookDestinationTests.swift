import Foundation
import Synchronization
import Testing

@testable import MusterDelivery
@testable import MusterJSON
@testable import MusterServer

/// A resolver that answers from a table, as a name server under an attacker's control would.
final class TableResolver: HostResolver {
    let table: Mutex<[String: [NetworkAddress]]>

    init(_ table: [String: [NetworkAddress]]) { self.table = Mutex(table) }

    func addresses(of host: String) async throws -> [NetworkAddress] {
        guard let addresses = table.withLock({ $0[host] }) else { throw WebhookDestinationError("\(host) does not resolve") }
        return addresses
    }
}

private func address(_ text: String) throws -> NetworkAddress {
    try #require(NetworkAddress(numericHost: text), "\(text) is numeric")
}

@Suite("Where webhooks may go")
struct WebhookDestinationTests {
    @Test(
        "Every spelling of a loopback, private, link-local, multicast or unspecified address is not public",
        arguments: [
            "127.0.0.1", "127.1", "2130706433", "0x7f.1", "017700000001", "0177.0.0.1", "0.0.0.0", "0", "10.1.2.3", "172.16.0.1",
            "172.31.255.255", "192.168.1.1", "169.254.169.254", "100.64.0.1", "224.0.0.1", "255.255.255.255", "198.18.0.1",
            "::", "::1", "[::1]", "::ffff:127.0.0.1", "::ffff:7f00:1", "::ffff:169.254.169.254", "64:ff9b::a00:1", "2002:c0a8:101::1",
            "fc00::1", "fd12:3456::1", "fe80::1", "ff02::1", "::127.0.0.1", "2001:db8::1",
        ]
    )
    func nonPublicAddressesAreRecognisedInEverySpelling(spelling: String) throws {
        #expect(try !address(spelling).isPublic, "\(spelling) must not count as public")
    }

    @Test(
        "Public unicast addresses are deliverable",
        arguments: ["93.184.215.14", "8.8.8.8", "172.32.0.1", "100.128.0.1", "2606:4700::1111", "::ffff:8.8.8.8", "2002:808:808::1"]
    )
    func publicAddressesAreDeliverable(spelling: String) throws {
        #expect(try address(spelling).isPublic, "\(spelling) is public")
    }

    @Test("Names are not numeric hosts, and addresses print in their usual form")
    func namesAreNotAddresses() throws {
        #expect(NetworkAddress(numericHost: "hooks.example.org") == nil)
        #expect(NetworkAddress(numericHost: "127.0.0.1 .example.org") == nil)
        #expect(try address("2130706433").description == "127.0.0.1")
        #expect(try address("[::ffff:7f00:1]").description == "::ffff:127.0.0.1")
    }

    @Test(
        "Registering a webhook for this machine or a private network is refused in every spelling, and registers nothing",
        arguments: [
            "http://localhost/hook", "http://LOCALHOST./hook", "http://api.localhost:8080/hook", "http://127.0.0.1:9000/hook",
            "http://2130706433/hook",
            "http://0x7f.1/hook", "http://0.0.0.0/hook", "http://[::1]:9000/hook", "http://[::ffff:127.0.0.1]/hook",
            "https://169.254.169.254/latest/meta-data",
            "http://10.0.0.5/hook", "https://192.168.1.1/hook", "http://[fd00::1]/hook", "http://127.0.0.1./hook",
        ]
    )
    func privateDestinationsAreRefusedAtRegistration(url: String) async throws {
        let fixture = try ServerFixture()
        try await fixture.run { api in
            let org = try await api.org()
            let reply = try await api.post("/v1/orgs/\(org)/webhooks", token: api.admin, #"{"url": "\#(url)"}"#)
            #expect(reply.status == 422, "\(url): \(reply.text)")
            #expect(reply.code == "webhook_url_not_allowed", "\(url): \(reply.text)")
            #expect(try await api.get("/v1/orgs/\(org)/webhooks", token: api.admin).json["items"]?.array.isEmpty == true)
        }
    }

    @Test("A name that resolves to a private address is refused at delivery, however it resolved at registration")
    func aRebindingNameIsRefusedAtEveryDelivery() async throws {
        let resolver = TableResolver(["rebind.example": [try address("93.184.215.14")]])
        let destinations = WebhookDestinations(allowPrivateNetworks: false, resolver: resolver)
        try destinations.checkRegistration(host: "rebind.example")
        #expect(try await destinations.address(for: "rebind.example") == address("93.184.215.14"))

        // The attacker's name server now answers with the metadata endpoint, or mixes one in.
        for answer in [["169.254.169.254"], ["93.184.215.14", "127.0.0.1"], ["::1"]] {
            resolver.table.withLock { $0["rebind.example"] = answer.compactMap { NetworkAddress(numericHost: $0) } }
            await #expect(throws: WebhookDestinationError.self, "\(answer)") { try await destinations.address(for: "rebind.example") }
        }
        await #expect(throws: WebhookDestinationError.self) { try await destinations.address(for: "LocalHost.") }
        await #expect(throws: WebhookDestinationError.self) { try await destinations.address(for: "nowhere.example") }
    }

    @Test("A deployment that allows private networks may register and deliver there")
    func privateNetworksCanBeAllowed() async throws {
        let destinations = WebhookDestinations(allowPrivateNetworks: true, resolver: TableResolver(["hooks.internal": [try address("10.0.0.7")]]))
        try destinations.checkRegistration(host: "127.0.0.1")
        #expect(try await destinations.address(for: "hooks.internal") == address("10.0.0.7"))
    }
}
