using Akka.Actor;
using Akka.Event;
using OpenCryptokiActors.Actors.Configuration;
using OpenCryptokiActors.Actors.Server;
using OpenCryptokiActors.Actors.Tokens;
using OpenCryptokiActors.Tokens.Mechanisms;
using static OpenCryptokiActors.Actors.Applications.ApplicationProtocol;
using static OpenCryptokiActors.Actors.Slots.SlotManagerProtocol;

namespace OpenCryptokiActors.Actors.Slots;

/// <summary>
/// /user/slot-manager: builds the slot table from configuration, one SlotActor per slot, and hands the
/// table out once every token has recovered. At run time (admin socket) it adds, removes and reloads slots and
/// pushes each new table to its subscribers (the applications supervisor), with the changed slots as events.
/// A removed slot leaves the table at once; its token stops a moment later (requests already on their way are
/// still answered), and a slot re-added with the same token name waits until the old token actor has stopped:
/// there is never more than one writer per token journal.
/// </summary>
public sealed class SlotManagerActor : ReceiveActor, IWithTimers
{
    /// <summary>Time between a slot leaving the table and its token actor stopping.</summary>
    private static readonly TimeSpan RetireDelay = TimeSpan.FromSeconds(1);

    private readonly OpenCryptokiSettings _config;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<ulong, SlotSettings> _settings = new();
    private readonly Dictionary<ulong, IActorRef> _slotActors = new();
    private readonly Dictionary<ulong, IActorRef> _tokens = new();
    private readonly HashSet<ulong> _ready = new();
    private readonly List<IActorRef> _waiting = new();
    private readonly List<IActorRef> _subscribers = new();
    private readonly Dictionary<string, IActorRef> _retiring = new();
    private readonly List<SlotSettings> _deferred = new();
    private readonly List<Pending> _pending = new();
    private readonly MechanismRegistry _softMechanisms = MechanismRegistry.CreateDefault();
    private SlotTable? _table;

    public ITimerScheduler Timers { get; set; } = null!;
    private int _generation;

    private sealed record Pending(HashSet<ulong> Slots, IActorRef ReplyTo, string Message);

    private sealed record Retire(IActorRef SlotActor);

    public SlotManagerActor(OpenCryptokiSettings settings)
    {
        _config = settings;
        foreach (var slot in settings.Slots)
        {
            _settings[slot.Id] = slot;
            _slotActors[slot.Id] = Context.ActorOf(SlotActor.Props(slot, settings), $"slot-{slot.Id}");
        }

        Receive<TokenStarted>(t =>
        {
            if (!_slotActors.TryGetValue(t.SlotId, out var slot) || !slot.Equals(Sender)) return;
            _tokens[t.SlotId] = t.Token;
            t.Token.Tell(TokenProtocol.AwaitReady.Instance);
        });
        Receive<TokenProtocol.Ready>(r =>
        {
            if (!_tokens.TryGetValue(r.SlotId, out var token) || !token.Equals(Sender)) return;
            _ready.Add(r.SlotId);
            if (_table is null)
            {
                AnswerWaiting();
                return;
            }

            Publish([r.SlotId]);
            CompletePending(r.SlotId);
        });
        Receive<GetSlotTable>(_ =>
        {
            _waiting.Add(Sender);
            AnswerWaiting();
        });
        Receive<SubscribeSlotTable>(s =>
        {
            _subscribers.Add(s.Subscriber);
            Context.Watch(s.Subscriber);
            if (_table is not null) s.Subscriber.Tell(new SlotTableChanged(_table, []));
        });
        Receive<AddSlot>(a => Add(a.Slot, Sender));
        Receive<RemoveSlot>(r => Sender.Tell(Remove(r.SlotId)));
        Receive<ReloadSlots>(r => Reload(r.Slots, Sender));
        Receive<ListSlots>(_ => Sender.Tell(new SlotList(_settings.Values.Where(s => _ready.Contains(s.Id)).OrderBy(s => s.Id).ToList(), Table())));
        Receive<Retire>(r => Context.Stop(r.SlotActor));
        Receive<Terminated>(t =>
        {
            _subscribers.Remove(t.ActorRef);
            foreach (var name in _retiring.Where(kv => kv.Value.Equals(t.ActorRef)).Select(kv => kv.Key).ToList())
            {
                _retiring.Remove(name);
                foreach (var slot in _deferred.Where(s => s.TokenName == name).ToList())
                {
                    _deferred.Remove(slot);
                    StartSlot(slot);
                }
            }
        });
    }

    public static Props Props(OpenCryptokiSettings settings) => Akka.Actor.Props.Create(() => new SlotManagerActor(settings));

    private void AnswerWaiting()
    {
        if (_table is null)
        {
            if (_ready.Count < _settings.Count) return;
            _table = Table();
        }

        foreach (var w in _waiting) w.Tell(_table);
        _waiting.Clear();
    }

    private SlotTable Table() =>
        new(_settings.Values.Where(s => _ready.Contains(s.Id)).ToDictionary(
            s => s.Id,
            s => new SlotEntry(s, ZcryptSlots.Mechanisms(s, _softMechanisms.ForPolicy(s.Policy)), _tokens[s.Id], s.Group is null ? null : UnixGroups.Gid(s.Group))));

    private void Publish(IReadOnlyList<ulong> events)
    {
        _table = Table();
        foreach (var s in _subscribers) s.Tell(new SlotTableChanged(_table, events));
    }

    private void CompletePending(ulong slotId)
    {
        foreach (var p in _pending.ToList())
        {
            p.Slots.Remove(slotId);
            if (p.Slots.Count > 0) continue;
            _pending.Remove(p);
            p.ReplyTo.Tell(new AdminResult(true, p.Message));
        }
    }

    private string? Conflict(SlotSettings slot)
    {
        try
        {
            SlotSettings.Validate(slot);
        }
        catch (Akka.Configuration.ConfigurationException e)
        {
            return e.Message;
        }

        if (_settings.ContainsKey(slot.Id)) return $"slot {slot.Id} exists already (ock slot remove {slot.Id} first)";
        var other = _settings.Values.FirstOrDefault(s => s.TokenName == slot.TokenName);
        return other is null ? null : $"token name '{slot.TokenName}' is already used by slot {other.Id}";
    }

    private void Add(SlotSettings slot, IActorRef replyTo)
    {
        if (Conflict(slot) is { } problem)
        {
            replyTo.Tell(new AdminResult(false, problem));
            return;
        }

        _pending.Add(new Pending([slot.Id], replyTo, $"slot {slot.Id} added (token '{slot.TokenName}')"));
        Admit(slot);
    }

    /// <summary>Reserves the slot's id and token name and starts it, or defers the start while its token's previous actor stops.</summary>
    private void Admit(SlotSettings slot)
    {
        _settings[slot.Id] = slot;
        if (_retiring.ContainsKey(slot.TokenName)) _deferred.Add(slot);
        else StartSlot(slot);
    }

    private void StartSlot(SlotSettings slot)
    {
        _slotActors[slot.Id] = Context.ActorOf(SlotActor.Props(slot, _config), $"slot-{slot.Id}-g{++_generation}");
        _log.Info("slot {0} added at run time: token {1}", slot.Id, slot.TokenName);
    }

    private AdminResult Remove(ulong slotId)
    {
        if (!_settings.ContainsKey(slotId)) return new AdminResult(false, $"no slot {slotId}");
        Withdraw(slotId);
        Publish([slotId]);
        return new AdminResult(true, $"slot {slotId} removed");
    }

    /// <summary>Takes a slot out of the table (the caller publishes) and schedules its actors' stop.</summary>
    private void Withdraw(ulong slotId)
    {
        var slot = _settings[slotId];
        _settings.Remove(slotId);
        _ready.Remove(slotId);
        _tokens.Remove(slotId);
        _deferred.RemoveAll(s => s.Id == slotId);
        if (_slotActors.Remove(slotId, out var actor))
        {
            _retiring[slot.TokenName] = actor;
            Context.Watch(actor);
            Timers.StartSingleTimer(actor, new Retire(actor), RetireDelay);
        }

        foreach (var p in _pending.Where(p => p.Slots.Contains(slotId)).ToList())
        {
            _pending.Remove(p);
            p.ReplyTo.Tell(new AdminResult(false, $"slot {slotId} was removed before it was ready"));
        }

        _log.Info("slot {0} removed at run time (token {1})", slotId, slot.TokenName);
    }

    private void Reload(IReadOnlyList<SlotSettings> slots, IActorRef replyTo)
    {
        var wanted = slots.ToDictionary(s => s.Id);
        var removed = _settings.Keys.Where(id => !wanted.ContainsKey(id)).OrderBy(id => id).ToList();
        var added = new List<SlotSettings>();
        var changed = new List<ulong>();
        var replaced = new List<SlotSettings>();
        foreach (var s in slots.OrderBy(s => s.Id))
        {
            if (!_settings.TryGetValue(s.Id, out var current)) added.Add(s);
            else if (current == s) continue;
            else if (current.TokenType == s.TokenType && current.TokenName == s.TokenName && current.MaxLoginFailures == s.MaxLoginFailures)
                changed.Add(s.Id); // description, group or policy only: the token keeps running, its sessions too (new sessions get the new policy)
            else replaced.Add(s);
        }

        foreach (var id in removed) Withdraw(id);
        foreach (var s in replaced) Withdraw(s.Id);
        foreach (var id in changed) _settings[id] = wanted[id];
        var starting = added.Concat(replaced).ToList();
        foreach (var s in starting) Admit(s);
        Publish([.. removed, .. replaced.Select(s => s.Id), .. changed]);

        var message = $"reloaded: added [{string.Join(", ", added.Select(s => s.Id))}], removed [{string.Join(", ", removed)}], " +
                      $"replaced [{string.Join(", ", replaced.Select(s => s.Id))}], changed [{string.Join(", ", changed)}]";
        if (starting.Count == 0) replyTo.Tell(new AdminResult(true, message));
        else _pending.Add(new Pending(starting.Select(s => s.Id).ToHashSet(), replyTo, message));
    }
}
