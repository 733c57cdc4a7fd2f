using Akka.Actor;
using OpenCryptokiActors.Actors.Configuration;
using OpenCryptokiActors.Actors.Tokens;
using OpenCryptokiActors.Tokens.Mechanisms;
using static OpenCryptokiActors.Actors.Slots.SlotManagerProtocol;

namespace OpenCryptokiActors.Actors.Slots;

/// <summary>
/// /user/slot-manager: builds the slot table from configuration, one SlotActor per slot, and hands the
/// table out once every token has recovered from its journal.
/// </summary>
public sealed class SlotManagerActor : ReceiveActor
{
    private readonly Dictionary<ulong, SlotSettings> _settings;
    private readonly Dictionary<ulong, IActorRef> _tokens = new();
    private readonly HashSet<ulong> _ready = new();
    private readonly List<IActorRef> _waiting = new();
    private readonly MechanismRegistry _softMechanisms = MechanismRegistry.CreateDefault();

    public SlotManagerActor(OpenCryptokiSettings settings)
    {
        _settings = settings.Slots.ToDictionary(s => s.Id);
        foreach (var slot in settings.Slots) Context.ActorOf(SlotActor.Props(slot, settings), $"slot-{slot.Id}");

        Receive<TokenStarted>(t =>
        {
            _tokens[t.SlotId] = t.Token;
            t.Token.Tell(TokenProtocol.AwaitReady.Instance);
        });
        Receive<TokenProtocol.Ready>(r =>
        {
            _ready.Add(r.SlotId);
            AnswerWaiting();
        });
        Receive<GetSlotTable>(_ =>
        {
            _waiting.Add(Sender);
            AnswerWaiting();
        });
    }

    private void AnswerWaiting()
    {
        if (_ready.Count < _settings.Count || _waiting.Count == 0) return;
        var table = new SlotTable(_settings.Values.ToDictionary(s => s.Id, s => new SlotEntry(s, _softMechanisms, _tokens[s.Id])));
        foreach (var w in _waiting) w.Tell(table);
        _waiting.Clear();
    }

    public static Props Props(OpenCryptokiSettings settings) => Akka.Actor.Props.Create(() => new SlotManagerActor(settings));
}
