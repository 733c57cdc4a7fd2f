using System.Collections.Immutable;
using Akka.Actor;
using OpenCryptokiActors.Actors.Protocol;
using OpenCryptokiActors.Actors.Slots;

namespace OpenCryptokiActors.Actors.Applications;

/// <summary>Messages of the applications supervisor and of each ApplicationActor.</summary>
public static class ApplicationProtocol
{
    /// <summary>A client connected and passed admission (a new application); answered with <see cref="Connected"/>.</summary>
    public sealed record Connect(PeerCredentials Peer) : IProtocolMessage;

    /// <summary>
    /// The new application: its id, its actor, the secret another connection of the same process presents to join it,
    /// and the session routes its connections use to reach session and token actors without a hop through it.
    /// </summary>
    [LocalOnly("the session directory is read by this node's connection threads")]
    public sealed record Connected(ulong AppId, IActorRef Application, byte[] Secret, SessionDirectory Sessions);

    /// <summary>
    /// Another connection of a running application (JoinApplication Hello); answered with <see cref="Connected"/>
    /// (secret included) or <see cref="JoinRefused"/>. Admitted only with the right secret and from the pid and uid
    /// of the application's first connection (SO_PEERCRED).
    /// </summary>
    public sealed record Join(ulong AppId, byte[] Secret, PeerCredentials Peer) : IProtocolMessage;

    public sealed record JoinRefused(string Reason) : IProtocolMessage;

    /// <summary>To an ApplicationActor from the applications supervisor: one more connection (a checked Join); answer the asker.</summary>
    [LocalOnly("between the applications supervisor and its children")]
    public sealed record AddConnection(IActorRef Asker, Join Join);

    /// <summary>
    /// One of the client's connections ended (exit, kill, C_Finalize): with the last one the application and
    /// everything it holds go.
    /// </summary>
    public sealed record ConnectionClosed : IProtocolMessage
    {
        public static readonly ConnectionClosed Instance = new();
    }

    /// <summary>
    /// The slot table changed (run-time slots) or a token changed (initialised): new applications get the new table,
    /// running ones replace theirs and queue a slot event for each slot in <paramref name="Events"/> (C_WaitForSlotEvent).
    /// </summary>
    [LocalOnly("slot tables hold this node's token actors and mechanism registries")]
    public sealed record SlotTableChanged(SlotTable Table, IReadOnlyList<ulong> Events);

    /// <summary>Published on the event stream by a token when its state changed in a way C_WaitForSlotEvent reports.</summary>
    public sealed record TokenChanged(ulong SlotId, string Reason) : IProtocolMessage;

    /// <summary>Asks the applications supervisor for every connected process; answered with <see cref="ApplicationList"/>.</summary>
    public sealed record ListApplications : IProtocolMessage
    {
        public static readonly ListApplications Instance = new();
    }

    /// <summary>One connected process: who it is and how many sessions it holds per slot.</summary>
    public sealed record ApplicationInfo(ulong AppId, int Pid, int Uid, int Gid, IReadOnlyDictionary<ulong, int> SessionsPerSlot, int PendingEvents) : IProtocolMessage;

    public sealed record ApplicationList(IReadOnlyList<ApplicationInfo> Applications) : IProtocolMessage;

    /// <summary>To one ApplicationActor: answer with its <see cref="ApplicationInfo"/>.</summary>
    public sealed record Describe : IProtocolMessage
    {
        public static readonly Describe Instance = new();
    }

    /// <summary>Number of connected applications (for status and tests).</summary>
    public sealed record GetCount : IProtocolMessage
    {
        public static readonly GetCount Instance = new();
    }
}

/// <summary>Where a session's requests go: its actor (operation state) and its slot's token actor.</summary>
[LocalOnly("an entry of the session directory")]
public sealed record SessionRoute(IActorRef Session, IActorRef Token);

/// <summary>
/// An application's open sessions as an immutable map its ApplicationActor replaces on every open and close
/// (a volatile reference, no lock). The connection threads read it to tell session-local calls straight to the
/// session actor and token-scoped ones straight to the token: one hop instead of two. A stale entry is harmless:
/// a request to a stopped actor becomes a dead letter, answered by <see cref="DeadLetterReplier"/>.
/// </summary>
public sealed class SessionDirectory
{
    private volatile ImmutableDictionary<ulong, SessionRoute> _map = ImmutableDictionary<ulong, SessionRoute>.Empty;

    public ImmutableDictionary<ulong, SessionRoute> Map => _map;

    /// <summary>Only the owning ApplicationActor publishes.</summary>
    internal void Publish(ImmutableDictionary<ulong, SessionRoute> map) => _map = map;
}
