using Akka.Actor;
using OpenCryptokiActors.Actors.Server;
using OpenCryptokiActors.Actors.Slots;

namespace OpenCryptokiActors.Actors.Applications;

/// <summary>Messages of the applications supervisor and of each ApplicationActor.</summary>
public static class ApplicationProtocol
{
    /// <summary>Peer credentials from SO_PEERCRED; <paramref name="Groups"/>: all the process's gids (from /proc) when known.</summary>
    public sealed record PeerCredentials(int Pid, int Uid, int Gid, IReadOnlyCollection<int>? Groups = null);

    /// <summary>A client connected and passed admission; answered with <see cref="Connected"/>.</summary>
    public sealed record Connect(PeerCredentials Peer, IReplySink Sink);

    public sealed record Connected(ulong AppId, IActorRef Application);

    /// <summary>The client's connection ended (exit, kill, C_Finalize): the application and everything it holds go.</summary>
    public sealed record ConnectionClosed
    {
        public static readonly ConnectionClosed Instance = new();
    }

    /// <summary>
    /// The slot table changed (run-time slots) or a token changed (initialised): new applications get the new table,
    /// running ones replace theirs and queue a slot event for each slot in <paramref name="Events"/> (C_WaitForSlotEvent).
    /// </summary>
    public sealed record SlotTableChanged(SlotTable Table, IReadOnlyList<ulong> Events);

    /// <summary>Published on the event stream by a token when its state changed in a way C_WaitForSlotEvent reports.</summary>
    public sealed record TokenChanged(ulong SlotId, string Reason);

    /// <summary>Asks the applications supervisor for every connected process; answered with <see cref="ApplicationList"/>.</summary>
    public sealed record ListApplications
    {
        public static readonly ListApplications Instance = new();
    }

    /// <summary>One connected process: who it is and how many sessions it holds per slot.</summary>
    public sealed record ApplicationInfo(ulong AppId, int Pid, int Uid, int Gid, IReadOnlyDictionary<ulong, int> SessionsPerSlot, int PendingEvents);

    public sealed record ApplicationList(IReadOnlyList<ApplicationInfo> Applications);

    /// <summary>To one ApplicationActor: answer with its <see cref="ApplicationInfo"/>.</summary>
    public sealed record Describe
    {
        public static readonly Describe Instance = new();
    }

    /// <summary>Number of connected applications (for status and tests).</summary>
    public sealed record GetCount
    {
        public static readonly GetCount Instance = new();
    }
}
