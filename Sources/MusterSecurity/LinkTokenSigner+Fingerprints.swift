import Crypto

extension LinkTokenSigner {
    /// The fingerprint of an idempotent request — its method, path and body — as hex:
    /// HMAC-SHA256 under a key derived from the server secret.
    ///
    /// The fingerprint is kept in the log and in the idempotency journal, and a body may hold
    /// a password. Keyed, the fingerprint tells someone who has those files but not the
    /// server secret nothing about the body, not even by guessing it.
    public func requestFingerprint(method: String, path: String, body: [UInt8]) -> String {
        let derived = HMAC<SHA256>.authenticationCode(for: Array("muster/idempotency-fingerprint/v1".utf8), using: key)
        var message = Array(method.utf8)
        message.append(0)
        message.append(contentsOf: path.utf8)
        message.append(0)
        message.append(contentsOf: body)
        let code = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: Array(derived)))
        let digits = Array("0123456789abcdef".utf8)
        var text = [UInt8]()
        text.reserveCapacity(64)
        for byte in code {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
