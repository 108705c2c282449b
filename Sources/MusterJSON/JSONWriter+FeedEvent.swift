import MusterDomain

extension JSONWriter {
    /// One event as the feed lists it and a webhook receives it:
    /// `{"id", "sequence", "type", "org_id", "at", "actor", "data": {…}}`.
    package mutating func feedEvent(_ event: FeedEvent, orgID: OrganisationID) {
        object { object in
            object.field("id", FeedEvent.id(orgID: orgID, sequence: event.sequence))
            object.field("sequence", event.sequence)
            object.field("type", event.kind.name)
            object.field("org_id", orgID)
            object.field("at", event.at)
            object.field("actor", event.actor)
            object.nested("data") { $0.eventData(event.data) }
        }
    }

    /// The facts of an event; only the fields its type has.
    private mutating func eventData(_ data: EventData) {
        object { object in
            if let value = data.invitationID { object.field("invitation_id", value) }
            if let value = data.userID { object.field("user_id", value) }
            if let value = data.email { object.field("email", value) }
            if let value = data.role { object.field("role", value.name) }
            if let value = data.previousRole { object.field("previous_role", value.name) }
            if let value = data.method { object.field("method", value.name) }
            if let value = data.reason { object.field("reason", value) }
            if let value = data.apiKeyID { object.field("api_key_id", value) }
            if let value = data.name { object.field("name", value) }
            if let value = data.tenantID { object.field("tenant_id", value) }
            if let value = data.collaboratorID { object.field("collaborator_id", value) }
            if let value = data.mode { object.field("mode", value.name) }
            if let value = data.capOverridden { object.field("cap_overridden", value) }
            if let value = data.itemID { object.field("item_id", value) }
            if let value = data.webhookID { object.field("webhook_id", value) }
            if let value = data.url { object.field("url", value) }
        }
    }
}

extension FeedEvent {
    /// The event's stable id: the org and the event's position in it.
    package static func id(orgID: OrganisationID, sequence: UInt64) -> String {
        "\(orgID):\(sequence)"
    }
}
