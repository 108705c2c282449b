/// What a command carries from the request that asked for it, passed by the server's handler
/// to the engine and on to the org's actor as an argument, never through the task.
///
/// A command outside any request (the console, expiry sweeps, tests) runs ``detached``: it
/// leaves no mark and hands back no position.
public struct CommandContext: Sendable {
    /// The idempotent request whose change this is, written into the change's own record. A
    /// change made of several records carries it in the last, so its presence in the log says
    /// the whole change was made.
    public var mark: RequestMark?
    /// Where the engine notes the position of each change once it is durable, for the answer's
    /// `Muster-Position`.
    public var written: WrittenPosition?

    /// A context with the given mark and recorder.
    public init(mark: RequestMark? = nil, written: WrittenPosition? = nil) {
        self.mark = mark
        self.written = written
    }

    /// The context of a command no request asked for.
    public static var detached: CommandContext { CommandContext() }

    /// Notes a durable change's position for the request, if it hands positions back.
    func noteDurable(_ position: LogPosition) {
        written?.note(position)
    }
}
