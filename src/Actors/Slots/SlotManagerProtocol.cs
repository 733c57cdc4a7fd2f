using Akka.Actor;
using OpenCryptokiActors.Actors.Configuration;

namespace OpenCryptokiActors.Actors.Slots;

public static class SlotManagerProtocol
{
    /// <summary>Answered with the <see cref="SlotTable"/> once every token has recovered.</summary>
    public sealed record GetSlotTable
    {
        public static readonly GetSlotTable Instance = new();
    }

    /// <summary>From a SlotActor: its token actor exists.</summary>
    public sealed record TokenStarted(ulong SlotId, IActorRef Token);

    /// <summary>
    /// From the applications supervisor: send me every new slot table as
    /// <see cref="Applications.ApplicationProtocol.SlotTableChanged"/>.
    /// </summary>
    public sealed record SubscribeSlotTable(IActorRef Subscriber);

    // ---- run-time slots (admin socket); each is answered with an AdminResult ----

    /// <summary>Adds a slot; answered once its token has recovered and the slot is in the table.</summary>
    public sealed record AddSlot(SlotSettings Slot);

    /// <summary>Removes a slot: it leaves the table at once, its sessions end, its token stops shortly after.</summary>
    public sealed record RemoveSlot(ulong SlotId);

    /// <summary>Replaces the slot table by <paramref name="Slots"/> (the re-read configuration file): adds, removes, changes.</summary>
    public sealed record ReloadSlots(IReadOnlyList<SlotSettings> Slots);

    /// <summary>Answered with the current <see cref="SlotList"/> (settings of every slot in the table).</summary>
    public sealed record ListSlots
    {
        public static readonly ListSlots Instance = new();
    }

    public sealed record SlotList(IReadOnlyList<SlotSettings> Slots, SlotTable Table);

    /// <summary>The outcome of an admin command: <paramref name="Ok"/> and a sentence for the operator.</summary>
    public sealed record AdminResult(bool Ok, string Message);
}
