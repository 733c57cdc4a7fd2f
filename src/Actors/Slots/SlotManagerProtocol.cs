using Akka.Actor;
using OpenCryptokiActors.Actors.Protocol;
using OpenCryptokiActors.Actors.Configuration;

namespace OpenCryptokiActors.Actors.Slots;

public static class SlotManagerProtocol
{
    /// <summary>Answered with the <see cref="SlotTable"/> once every token has recovered.</summary>
    [LocalOnly("the slot manager serves this node's slot table and admin socket")]
    public sealed record GetSlotTable
    {
        public static readonly GetSlotTable Instance = new();
    }

    /// <summary>From a SlotActor: its token actor exists.</summary>
    [LocalOnly("the slot manager serves this node's slot table and admin socket")]
    public sealed record TokenStarted(ulong SlotId, IActorRef Token);

    /// <summary>
    /// From the applications supervisor: send me every new slot table as
    /// <see cref="Applications.ApplicationProtocol.SlotTableChanged"/>.
    /// </summary>
    [LocalOnly("the slot manager serves this node's slot table and admin socket")]
    public sealed record SubscribeSlotTable(IActorRef Subscriber);

    // ---- run-time slots (admin socket); each is answered with an AdminResult ----

    /// <summary>Adds a slot; answered once its token has recovered and the slot is in the table.</summary>
    [LocalOnly("the slot manager serves this node's slot table and admin socket")]
    public sealed record AddSlot(SlotSettings Slot);

    /// <summary>Removes a slot: it leaves the table at once, its sessions end, its token stops shortly after.</summary>
    [LocalOnly("the slot manager serves this node's slot table and admin socket")]
    public sealed record RemoveSlot(ulong SlotId);

    /// <summary>Replaces the slot table by <paramref name="Slots"/> (the re-read configuration file): adds, removes, changes.</summary>
    [LocalOnly("the slot manager serves this node's slot table and admin socket")]
    public sealed record ReloadSlots(IReadOnlyList<SlotSettings> Slots);

    /// <summary>Answered with the current <see cref="SlotList"/> (settings of every slot in the table).</summary>
    [LocalOnly("the slot manager serves this node's slot table and admin socket")]
    public sealed record ListSlots
    {
        public static readonly ListSlots Instance = new();
    }

    [LocalOnly("the slot manager serves this node's slot table and admin socket")]

    public sealed record SlotList(IReadOnlyList<SlotSettings> Slots, SlotTable Table);

    /// <summary>The outcome of an admin command: <paramref name="Ok"/> and a sentence for the operator.</summary>
    [LocalOnly("the slot manager serves this node's slot table and admin socket")]
    public sealed record AdminResult(bool Ok, string Message);
}
