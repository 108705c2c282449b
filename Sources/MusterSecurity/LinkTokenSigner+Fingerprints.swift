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
        return Hex.lowercase(HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: Array(derived))))
    }
}

extension LinkTokenSigner {
    /// The form token of a console session: the hidden field every form of the console posts,
    /// HMAC-SHA256 of the session token under a key derived from the server secret. A page of
    /// another site cannot read it, so it cannot post a form in the person's name.
    public func formToken(forSession sessionToken: String) -> String {
        let derived = HMAC<SHA256>.authenticationCode(for: Array("muster/console-form/v1".utf8), using: key)
        return Hex.lowercase(HMAC<SHA256>.authenticationCode(for: Array(sessionToken.utf8), using: SymmetricKey(data: Array(derived))))
    }
}
