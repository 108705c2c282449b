/// The console's message catalogue: every sentence and label of its pages, by key, in each
/// language Muster ships (``english``, ``welsh``).
///
/// Keys are grouped by page (`users.…`, `webhooks.…`), with `common.…` for words several pages
/// share, `notice.…` for what a change's confirmation says, `refusal.<code>` for a domain
/// refusal by its code, `audit.<event type>` for the audit trail's sentences and
/// `kind.<event type>` for an event type's name. `{{name}}` marks a value the page fills in;
/// every language's entry has the same values as the English one (the catalogue's tests check
/// it), in the order its grammar needs.
package enum ConsoleCatalogue {}
