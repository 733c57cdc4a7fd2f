using Akka.Actor;
using OpenCryptokiActors.Actors.Configuration;
using OpenCryptokiActors.Tokens.Mechanisms;

namespace OpenCryptokiActors.Actors.Slots;

/// <summary>One slot as applications see it: its settings, its token's mechanisms and the token actor.</summary>
public sealed record SlotEntry(SlotSettings Settings, MechanismRegistry Mechanisms, IActorRef Token);

/// <summary>The slot table, immutable; replaced as a whole when it changes.</summary>
public sealed record SlotTable(IReadOnlyDictionary<ulong, SlotEntry> Slots)
{
    public IEnumerable<ulong> SlotIds => Slots.Keys.OrderBy(k => k);
}
