import Crypto
import MusterDomain

extension LinkTokenSigner {
    /// The signing secret of a webhook, derived from the server's secret and the webhook's
    /// logged nonce: the same on every start, so it is never stored, and useless to anyone who
    /// has the log without the server's secret.
    public func webhookSecret(nonce: Identifier<Webhook>) -> String {
        var input = Array("muster/webhook-secret/v1:".utf8)
        withUnsafeBytes(of: nonce.high.bigEndian) { input.append(contentsOf: $0) }
        withUnsafeBytes(of: nonce.low.bigEndian) { input.append(contentsOf: $0) }
        let code = HMAC<SHA256>.authenticationCode(for: input, using: key)
        return "whsec_" + Base64URL.encode(Array(code))
    }
}
