/// Who is acting: the subject of every command and the actor of every event.
public enum Principal: Hashable, Sendable, CustomStringConvertible {
    /// The operator of the deployment, holding the admin token; may do anything in any org.
    case platformAdmin
    /// A signed-in person, whatever their relation to the org (member, collaborator or none).
    case user(UserID)
    /// An organisation's backend service, through one of the org's API keys.
    case apiKey(APIKeyID)
    /// Muster itself, for scheduled work such as the expiry sweep.
    case system

    public var description: String {
        switch self {
        case .platformAdmin: "platform_admin"
        case .user(let id): "user:\(id)"
        case .apiKey(let id): "api_key:\(id)"
        case .system: "system"
        }
    }
}

extension Principal {
    /// Parses the spelling of ``description``: `platform_admin`, `system`, `user:<id>` or
    /// `api_key:<id>`.
    public init?(spelled text: String) {
        switch text {
        case "platform_admin": self = .platformAdmin
        case "system": self = .system
        default:
            if text.hasPrefix("user:"), let id = UserID(text.dropFirst(5)) {
                self = .user(id)
            } else if text.hasPrefix("api_key:"), let id = APIKeyID(text.dropFirst(8)) {
                self = .apiKey(id)
            } else {
                return nil
            }
        }
    }
}
