using System.Collections.Immutable;
using Akka.Actor;
using Akka.Event;
using OpenCryptokiActors.Actors.Protocol;
using OpenCryptokiActors.Actors.Server;
using OpenCryptokiActors.Actors.Sessions;
using OpenCryptokiActors.Actors.Tokens;
using OpenCryptokiActors.Actors.Slots;
using OpenCryptokiActors.Actors.Statistics;
using OpenCryptokiActors.Cryptoki.Pkcs11;
using static OpenCryptokiActors.Actors.Applications.ApplicationProtocol;
using static OpenCryptokiActors.Actors.Applications.ApplicationCommands;

namespace OpenCryptokiActors.Actors.Applications;

/// <summary>
/// One connected process. Answers slot-table questions itself, routes session calls to its session
/// actors (operation state) or to the slot's token (login, objects, keys), and owns its sessions: they
/// stop with it, and the tokens forget the application when its connection ends. Sees only the slots its
/// process may see (a slot's <c>group</c>), follows run-time changes of the slot table, and queues slot events
/// for C_WaitForSlotEvent.
/// </summary>
public sealed partial class ApplicationActor : ReceiveActor
{
    private readonly ulong _appId;
    private PeerCredentials _peer;
    private readonly uint _daemonUid = Libc.geteuid();
    private SlotTable _slots;
    private readonly Dictionary<ulong, (SlotEntry Slot, IActorRef Actor)> _sessions = new();
    private readonly List<ulong> _events = new();

    /// <summary>Authenticates the operation-state blobs of this application's sessions (C_GetOperationState/C_SetOperationState).</summary>
    private readonly byte[] _stateKey = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
    private readonly SessionDirectory _directory;
    private readonly MechanismStatistics? _stats;
    private ulong _nextHandle = 1;
    private int _connections = 1;

    public ApplicationActor(ulong appId, PeerCredentials peer, SessionDirectory directory, SlotTable slots, MechanismStatistics? stats = null)
    {
        _stats = stats;
        _appId = appId;
        _peer = peer;
        _slots = slots;
        _directory = directory;
        Receive<Request>(Route);
        Receive<AddConnection>(a =>
        {
            if (_connections == 0)
            {
                a.Asker.Tell(new JoinRefused("the application has ended"));
                return;
            }

            _connections++;
            a.Asker.Tell(new Connected(_appId, Self, a.Join.Secret, _directory));
        });
        Receive<TokenCommands.SessionOpenResult>(Opened);
        ForkReceives();
        Receive<SlotTableChanged>(TableChanged);
        Receive<Describe>(_ => Sender.Tell(new ApplicationInfo(_appId, _peer.Pid, _peer.Uid, _peer.Gid,
            _sessions.Values.GroupBy(s => s.Slot.Settings.Id).ToDictionary(g => g.Key, g => g.Count()), _events.Count)));
        Receive<ConnectionClosed>(_ =>
        {
            if (--_connections > 0) return;
            _routes = ImmutableDictionary<ulong, SessionRoute>.Empty;
            _directory.Publish(_routes);
            foreach (var slot in _slots.Slots.Values) slot.Token.Tell(new TokenProtocol.ApplicationGone(_appId));
            Context.Stop(Self);
        });
    }

    private bool Visible(SlotEntry slot) => slot.VisibleTo(_peer, _daemonUid);

    /// <summary>
    /// A new slot table: sessions on slots that went away (or were replaced, or hidden) end; each changed slot this
    /// process may see, or saw, becomes a pending slot event.
    /// </summary>
    private void TableChanged(SlotTableChanged changed)
    {
        var old = _slots;
        _slots = changed.Table;
        foreach (var (handle, s) in _sessions.ToList())
        {
            if (_slots.Slots.TryGetValue(s.Slot.Settings.Id, out var now) && now.Token.Equals(s.Slot.Token) && Visible(now)) continue;
            _sessions.Remove(handle);
            Context.Stop(s.Actor);
            if (now is not null && now.Token.Equals(s.Slot.Token)) now.Token.Tell(new TokenProtocol.ApplicationGone(_appId));
        }

        Publish();

        foreach (var id in changed.Events)
        {
            var seen = (old.Slots.TryGetValue(id, out var before) && Visible(before))
                       || (_slots.Slots.TryGetValue(id, out var after) && Visible(after));
            if (seen && !_events.Contains(id)) _events.Add(id);
        }
    }

    public static Props Props(ulong appId, PeerCredentials peer, SessionDirectory directory, SlotTable slots, MechanismStatistics? stats = null) =>
        Akka.Actor.Props.Create(() => new ApplicationActor(appId, peer, directory, slots, stats));

    /// <summary>
    /// The session map the connection threads route by, changed one entry at a time (O(log n) per open or close, so
    /// opening n sessions is O(n log n), not quadratic) and published after every change of <see cref="_sessions"/>.
    /// </summary>
    private ImmutableDictionary<ulong, SessionRoute> _routes = ImmutableDictionary<ulong, SessionRoute>.Empty;

    private void Unpublish(ulong handle)
    {
        _routes = _routes.Remove(handle);
        _directory.Publish(_routes);
    }

    private void Publish()
    {
        _routes = _sessions.ToImmutableDictionary(kv => kv.Key, kv => new SessionRoute(kv.Value.Actor, kv.Value.Slot.Token));
        _directory.Publish(_routes);
    }

    /// <summary>A call the edge could not route straight to a session or token (or one of the slot-level calls); answered whatever happens.</summary>
    private void Route(Request req)
    {
        try
        {
            RouteOrAnswer(req);
        }
        catch (Exception e)
        {
            Context.GetLogger().Error(e, "application {0}: {1} failed", _appId, req.GetType().Name);
            req.Answer(CKR.FUNCTION_FAILED);
        }
    }

    private void RouteOrAnswer(Request req)
    {
        switch (req)
        {
            case ISessionCommand c:
                if (_sessions.TryGetValue(c.Session, out var s)) s.Actor.Tell(req);
                else req.Answer(CKR.SESSION_HANDLE_INVALID);
                return;
            case TokenCommands.CloseSession close:
                if (!_sessions.Remove(close.Session, out var closing))
                {
                    req.Answer(CKR.SESSION_HANDLE_INVALID);
                    return;
                }

                // off the directory first: no new call of the connections reaches the closing session
                Unpublish(close.Session);
                closing.Slot.Token.Tell(close with { SessionActor = closing.Actor });
                Context.Stop(closing.Actor);
                return;
            case TokenCommands.SessionTokenRequest t:
                if (_sessions.TryGetValue(t.Session, out var ts)) ts.Slot.Token.Tell(t with { SessionActor = ts.Actor });
                else req.Answer(CKR.SESSION_HANDLE_INVALID);
                return;
        }

        try
        {
            SlotCall(req);
        }
        catch (SlotInvalid)
        {
            req.Answer(CKR.SLOT_ID_INVALID);
        }
    }

    private SlotEntry Slot(ulong id) => _slots.Slots.TryGetValue(id, out var s) && Visible(s) ? s : throw new SlotInvalid();

    private sealed class SlotInvalid : Exception;

    private void SlotCall(Request req)
    {
        switch (req)
        {
            case GetSlotList:
                req.Ok(new Handles([.. _slots.SlotIds.Where(id => Visible(_slots.Slots[id]))]));
                break;
            case GetSlotInfo g:
            {
                var slot = Slot(g.Slot).Settings;
                req.Ok(new SlotInfo(slot.Description, slot.Manufacturer, CKF.TOKEN_PRESENT, slot.HardwareVersion.Major, slot.HardwareVersion.Minor,
                    slot.FirmwareVersion.Major, slot.FirmwareVersion.Minor));
                break;
            }

            case GetMechanismList g:
                req.Ok(new Handles([.. Slot(g.Slot).Mechanisms.Types]));
                break;
            case GetMechanismInfo g:
            {
                var slot = Slot(g.Slot);
                if (!slot.Mechanisms.TryGet(g.Type, out var info, out _)) req.Answer(CKR.MECHANISM_INVALID);
                else req.Ok(new MechanismInfoResult(info.MinKeySize, info.MaxKeySize, info.Flags));
                break;
            }

            case TokenCommands.GetTokenInfo g:
                Slot(g.Slot).Token.Tell(req);
                break;
            case TokenCommands.InitToken i:
                Slot(i.Slot).Token.Tell(req);
                break;
            case ApplicationCommands.OpenSession o:
                Slot(o.Slot).Token.Tell(new TokenCommands.OpenSession(_nextHandle++, o.Flags, o, Self) { Caller = new Caller(_appId, _peer) });
                break;
            case TokenCommands.CloseAllSessions c:
            {
                var slot = Slot(c.Slot);
                foreach (var (handle, s) in _sessions.Where(kv => kv.Value.Slot.Settings.Id == c.Slot).ToList())
                {
                    _sessions.Remove(handle);
                    Unpublish(handle);
                    Context.Stop(s.Actor);
                }

                slot.Token.Tell(req);
                break;
            }

            case ForkPrepare f:
                PrepareFork(f);
                break;
            case WaitForSlotEvent:
                // the daemon always answers at once (the module polls for a blocking wait)
                if (_events.Count == 0)
                {
                    req.Answer(CKR.NO_EVENT);
                    break;
                }

                var slotId = _events[0];
                _events.RemoveAt(0);
                req.Ok(new Handle(slotId));
                break;
            default:
                req.Answer(CKR.FUNCTION_NOT_SUPPORTED);
                break;
        }
    }

    private void Opened(TokenCommands.SessionOpenResult result)
    {
        if (result.Rv != CKR.OK)
        {
            result.Origin.Answer(result.Rv);
            return;
        }

        var slot = _slots.Slots.Values.FirstOrDefault(s => s.Token.Equals(Sender));
        if (slot is null)
        {
            // The slot was removed while the session was being opened: its token is going away.
            result.Origin.Answer(CKR.DEVICE_REMOVED);
            return;
        }

        var actor = Context.ActorOf(SessionActor.Props(new Caller(_appId, _peer), result.Handle, slot.Mechanisms, slot.Token, _stateKey,
            _stats?.For((uint)_peer.Uid, slot.Settings.Id), slot.Settings.Policy, slot.Settings.Id), $"session-{result.Handle}");
        _sessions[result.Handle] = (slot, actor);
        _routes = _routes.SetItem(result.Handle, new SessionRoute(actor, slot.Token));
        _directory.Publish(_routes);
        result.Origin.Ok(new Handle(result.Handle));
    }
}
