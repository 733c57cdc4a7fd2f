using Akka.Actor;
using OpenCryptokiActors.Actors.Protocol;
using OpenCryptokiActors.Actors.Sessions;
using OpenCryptokiActors.Actors.Slots;
using OpenCryptokiActors.Tokens.Objects;
using OpenCryptokiActors.Tokens.State;
using static OpenCryptokiActors.Actors.Applications.ApplicationProtocol;
using static OpenCryptokiActors.Actors.Sessions.SessionProtocol;

namespace OpenCryptokiActors.Actors.Applications;

/// <summary>
/// Fork safety (CKF_INTERFACE_FORK_SAFE, docs/wire-protocol.md "Fork"): the module's ForkPrepare, sent just before fork(),
/// makes a clone of the application — every session with its operation state, the session objects, the logins — which the
/// fork()ed child takes over with a Hello of mode 2. What openCryptoki would need shared memory for is a copy of actors here.
/// <code>
///  parent app ──CreateClone──> applications ──SeedClone──> clone app ─┬─CloneSessionTo──> parent session ──RestoreClone──> clone session ─┐
///                                                                     └─CloneApplication──> token (per slot) ────────────────────────────┤
///  ForkPrepare answered (clone id, secret) <── clone app <──────────────────────── CloneReady (one per session and token) ──────────────┘
///  child's Hello mode 2 ──ClaimClone──> applications ──TakeOver──> clone app ──> Connected
/// </code>
/// </summary>
public static class ForkProtocol
{
    /// <summary>A session of the parent to clone: its handle, its slot and its actor (which holds the operation state).</summary>
    [LocalOnly("a slot entry of this node")]
    public sealed record ClonedSession(ulong Handle, SlotEntry Slot, IActorRef ParentSession);

    /// <summary>From the parent's ApplicationActor to the applications supervisor: make the clone; it answers <paramref name="Client"/>.</summary>
    [LocalOnly("the parent's sessions with this node's slot entries")]
    public sealed record CreateClone(ulong ParentId, PeerCredentials Peer, IReadOnlyList<ClonedSession> Sessions, IReadOnlyList<ulong> Events,
        ulong NextHandle, Request Client);

    /// <summary>To the new (clone) ApplicationActor: copy the parent's sessions and answer ForkPrepare when all parts are copied.</summary>
    [LocalOnly("the parent's sessions with this node's slot entries")]
    public sealed record SeedClone(ulong ParentId, byte[] Secret, IReadOnlyList<ClonedSession> Sessions, IReadOnlyList<ulong> Events,
        ulong NextHandle, Request Client);

    /// <summary>To a parent session: send a copy of your operations to <paramref name="Target"/> (the clone's session).</summary>
    public sealed record CloneSessionTo(IActorRef Target, IActorRef ReplyTo) : IProtocolMessage;

    /// <summary>One operation of a session as it stands: how it started, what it has been fed, its key.</summary>
    public sealed record ClonedOperation(OperationKind Kind, StateOrigin Origin, byte[] Seen, AttributeSet? Key, bool AwaitsContextLogin) : IProtocolMessage;

    /// <summary>To a clone's session: start these operations again and feed them; then tell <paramref name="ReplyTo"/> <see cref="CloneReady"/>.</summary>
    public sealed record RestoreClone(IReadOnlyList<ClonedOperation> Operations, IActorRef ReplyTo) : IProtocolMessage;

    /// <summary>To a token: the clone gets copies of the parent's sessions (same handles), session objects (same handles) and login.</summary>
    public sealed record CloneApplication(ulong ParentId, ulong CloneId, IReadOnlyDictionary<ulong, IActorRef> Sessions, IActorRef ReplyTo)
        : Tokens.ITokenCommand;

    /// <summary>A session or a token has its part of the clone.</summary>
    public sealed record CloneReady : IProtocolMessage
    {
        public static readonly CloneReady Instance = new();
    }

    /// <summary>A Hello of mode 2 (the fork()ed child): take over clone <paramref name="AppId"/>; answered Connected or JoinRefused.</summary>
    public sealed record ClaimClone(ulong AppId, byte[] Secret, PeerCredentials Peer) : IProtocolMessage;

    /// <summary>From the applications supervisor to the clone: the child is here (checked); answer <paramref name="Asker"/>.</summary>
    public sealed record TakeOver(IActorRef Asker, PeerCredentials Peer) : IProtocolMessage;

    /// <summary>The clone's parts did not all answer in time.</summary>
    [LocalOnly("an actor's own timer")]
    internal sealed record CloneTimedOut
    {
        public static readonly CloneTimedOut Instance = new();
    }

    /// <summary>No child took the clone over in time (it exec()ed or died first): the clone ends.</summary>
    [LocalOnly("an actor's own timer")]
    internal sealed record ClaimExpired
    {
        public static readonly ClaimExpired Instance = new();
    }
}
