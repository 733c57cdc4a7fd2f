using Akka.Actor;

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
}
