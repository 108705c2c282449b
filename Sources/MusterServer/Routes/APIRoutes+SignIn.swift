import Hummingbird
import Logging
import MusterDelivery
import MusterDomain
import MusterEngine
import MusterJSON
import MusterSecurity

extension APIRoutes {
    /// Sign-in (magic links, legacy passwords), sign-out, and the signed-in person's profile and
    /// caseload.
    func registerSignIn(on router: Router<MusterRequestContext>) {
        get(router, "/v1/me") { _, context in
            let userID = try context.requireUser(allowingPasswordChange: true)
            let profile = try await engine.profile(of: userID)
            return .json { json in
                json.object { object in
                    object.nested("user") { $0.user(profile.user) }
                    object.array("memberships", profile.memberships) { $0.membership($1) }
                }
            }
        }

        get(router, "/v1/me/caseload") { _, context in
            let userID = try context.requireUser()
            let caseload = try await engine.caseload(of: userID)
            return .json { json in
                json.object { object in
                    object.array("items", caseload) { $0.caseloadEntry($1) }
                    object.field("count", caseload.count)
                }
            }
        }

        get(router, "/v1/me/sessions") { _, context in
            let userID = try context.requireUser(allowingPasswordChange: true)
            let current = context.bearerToken.map { SecretDigest(of: $0).handle }
            let sessions = try await engine.sessions(of: userID)
            return .json { json in
                json.object { object in
                    object.array("items", sessions) { json, entry in
                        json.object { row in
                            row.field("id", MusterEngine.sessionIDText(entry.handle))
                            row.field("created_at", entry.session.createdAt)
                            row.field("expires_at", entry.session.expiresAt)
                            row.field("method", entry.session.method.name)
                            row.field("current", entry.handle == current)
                        }
                    }
                }
            }
        }

        post(router, "/v1/me/sessions/{id}/revoke", command: "revoke_session") { request, context in
            let userID = try context.requireUser(allowingPasswordChange: true)
            let text = context.parameters.get("id") ?? ""
            guard text.utf8.count == 16, text.utf8.allSatisfy({ $0.isHexDigit }), let handle = UInt64(text, radix: 16) else {
                throw Problem.badRequest("`id` in the path must be a session id from GET /v1/me/sessions (16 hex digits); got \"\(text)\"")
            }
            try await request.expectNoFields(context: context)
            try await engine.endSession(of: userID, handle: handle, context: context.command)
            return .noContent
        }

        get(router, "/v1/users") { request, context in
            let principal = try context.requirePrincipal()
            guard let text = request.query("email") else { throw Problem.badRequest("`email` is required: the person to look up") }
            let email: EmailAddress
            do throws(DomainError) { email = try EmailAddress(text) } catch { throw Problem.badRequest("`email`: \(error.message)") }
            guard let found = try await engine.person(email: email, by: principal) else {
                throw Problem(.notFound, code: "user_not_found", "no user has the email \(email)")
            }
            return .json { json in
                json.object { object in
                    object.nested("user") { $0.user(found.profile.user) }
                    object.array("memberships", found.profile.memberships) { $0.membership($1) }
                    object.array("assignments", found.caseload) { $0.caseloadEntry($1) }
                }
            }
        }

        publicPost(router, "/v1/auth/magic-link", command: "request_sign_in_link") { request, context in
            var fields = try await request.fields(context: context)
            let email = try fields.email("email")
            try fields.finish()
            let engine = try engine
            let accepted = APIResponse.json(.accepted) { json in
                json.object { object in
                    object.field("status", "accepted")
                    object.field("detail", "if this email has an account, a sign-in link is on its way")
                }
            }
            // Beyond the limit the answer is the same, but no email goes out: a flood of
            // requests cannot fill someone's inbox, and the answer says nothing new.
            guard throttle.allowLink(to: email, at: clock.now()) else { return accepted }
            // Answered at once and the same either way: whether the email has an account shows
            // neither in the answer nor in its timing. The link is issued and queued behind it.
            // The email follows from the durable sign-in-link event (the outbox renders it).
            let issue = Task {
                do {
                    _ = try await engine.requestSignInLink(email: email)
                } catch {
                    context.logger.error("issuing a sign-in link failed", metadata: ["error": "\(error)"])
                }
            }
            _ = issue
            return accepted
        }

        publicPost(router, "/v1/auth/verify", command: "verify_link") { request, context in
            var fields = try await request.fields(context: context)
            let token = try fields.string("token", maxLength: 1000)
            try fields.finish()
            let signedIn = try await engine.verifyLink(token: token)
            return .json { $0.signedIn(signedIn) }
        }

        publicPost(router, "/v1/auth/password", command: "password_sign_in") { request, context in
            var fields = try await request.fields(context: context)
            let email = try fields.email("email")
            let password = try fields.string("password", maxLength: 1000)
            try fields.finish()
            // Counted per account — known or not, so the answer reveals nothing — and per client
            // address; checked before the slow hash, so a flood costs no CPU.
            var keys: [SignInThrottle.Key] = [.account(email)]
            if let address = context.clientAddress { keys.append(.client(address)) }
            let signedIn = try await throttled(keys) { try await engine.passwordSignIn(email: email, password: password) }
            throttle.clear(.account(email))
            return .json { $0.signedIn(signedIn) }
        }

        post(router, "/v1/auth/password/change", command: "change_password") { request, context in
            let userID = try context.requireUser(allowingPasswordChange: true)
            var fields = try await request.fields(context: context)
            let current = try fields.string("current_password", maxLength: 1000)
            let new = try fields.string("new_password", maxLength: 1000)
            try fields.finish()
            try await throttled([.user(userID)]) {
                try await engine.changePassword(userID: userID, current: current, new: new, context: context.command)
            }
            return .json { json in
                json.object { object in
                    object.field("status", "changed")
                    object.field("detail", "every session of this user has ended; sign in again with the new password")
                }
            }
        }

        post(router, "/v1/auth/logout", command: "logout") { request, context in
            _ = try context.requireUser(allowingPasswordChange: true)
            guard let token = context.bearerToken else { throw Problem.unauthorized("sign-out needs the session token") }
            try await request.expectNoFields(context: context)
            try await engine.logout(sessionToken: token, context: context.command)
            return .noContent
        }
    }

    /// Runs a password check under the shared sign-in limits (429 `rate_limited` beyond them).
    private func throttled<Answer>(_ keys: [SignInThrottle.Key], _ body: () async throws -> Answer) async throws -> Answer {
        try await throttle.checked(keys, at: clock.now(), body)
    }
}

extension UInt8 {
    /// Whether the byte is an ASCII hex digit, either case (`UInt64(_:radix:)` alone would
    /// also take a sign).
    fileprivate var isHexDigit: Bool {
        (0x30...0x39).contains(self) || (0x41...0x46).contains(self) || (0x61...0x66).contains(self)
    }
}
