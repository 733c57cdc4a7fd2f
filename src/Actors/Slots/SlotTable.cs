using OpenCryptokiActors.Actors.Protocol;
using Akka.Actor;
using OpenCryptokiActors.Actors.Configuration;
using OpenCryptokiActors.Tokens.Mechanisms;
using static OpenCryptokiActors.Actors.Applications.ApplicationProtocol;

namespace OpenCryptokiActors.Actors.Slots;

/// <summary>
/// One slot as applications see it: its settings, its token's mechanisms and the token actor.
/// <paramref name="GroupId"/> is the resolved gid of <see cref="SlotSettings.Group"/> (null: unrestricted, or the group
/// does not exist, in which case only root and the daemon's user see the slot).
/// </summary>
public sealed record SlotEntry(SlotSettings Settings, MechanismRegistry Mechanisms, IActorRef Token, int? GroupId = null)
{
    /// <summary>Whether a connected process may see and use this slot: unrestricted, or root, the daemon's user, or a group member.</summary>
    public bool VisibleTo(PeerCredentials peer, uint daemonUid)
    {
        if (Settings.Group is null) return true;
        if (peer.Uid == 0 || (uint)peer.Uid == daemonUid) return true;
        if (GroupId is not { } gid) return false;
        return peer.InGroup(gid);
    }
}

/// <summary>The slot table, immutable; replaced as a whole when it changes (run-time slots).</summary>
public sealed record SlotTable(IReadOnlyDictionary<ulong, SlotEntry> Slots)
{
    public IEnumerable<ulong> SlotIds => Slots.Keys.OrderBy(k => k);
}
