import Hummingbird
import Logging
import MusterDomain
import MusterEngine

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
            let caseload = await (try engine).caseload(of: userID)
            return .json { json in
                json.object { object in
                    object.array("items", caseload) { $0.caseloadEntry($1) }
                    object.field("count", caseload.count)
                }
            }
        }

        publicPost(router, "/v1/auth/magic-link", command: "request_sign_in_link") { request, context in
            var fields = try await request.fields(context: context)
            let email = try fields.email("email")
            try fields.finish()
            let engine = try engine
            // Answered at once and the same either way: whether the email has an account shows
            // neither in the answer nor in its timing. The link is issued and queued behind it.
            let issue = Task { [outbox, configuration, clock] in
                do {
                    guard let (user, token) = try await engine.requestSignInLink(email: email) else { return }
                    let link = "\(configuration.linkBase)/auth/verify?token=\(token)"
                    let text = """
                        Sign in to Muster with this link:
                        \(link)

                        The link works once and expires in \(engine.policy.signInLinkLifetime.milliseconds / 60_000) minutes. If you did not ask to sign in, you can ignore this email.
                        """
                    try await outbox.enqueue([
                        MailMessage(
                            id: Identifier<MailMessage>.random().description, kind: "sign_in_link", to: user.email.description,
                            subject: "Your Muster sign-in link", text: text, queuedAt: clock.now().millisecondsSinceEpoch
                        )
                    ])
                } catch {
                    context.logger.error("issuing a sign-in link failed", metadata: ["error": "\(error)"])
                }
            }
            _ = issue
            return .json(.accepted) { json in
                json.object { object in
                    object.field("status", "accepted")
                    object.field("detail", "if this email has an account, a sign-in link is on its way")
                }
            }
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
            let signedIn = try await engine.passwordSignIn(email: email, password: password)
            return .json { $0.signedIn(signedIn) }
        }

        post(router, "/v1/auth/password/change", command: "change_password") { request, context in
            let userID = try context.requireUser(allowingPasswordChange: true)
            var fields = try await request.fields(context: context)
            let current = try fields.string("current_password", maxLength: 1000)
            let new = try fields.string("new_password", maxLength: 1000)
            try fields.finish()
            try await engine.changePassword(userID: userID, current: current, new: new)
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
            try await engine.logout(sessionToken: token)
            return .noContent
        }
    }
}
