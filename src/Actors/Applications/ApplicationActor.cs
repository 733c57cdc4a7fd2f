using System.Collections.Immutable;
using Akka.Actor;
using OpenCryptokiActors.Actors.Server;
using OpenCryptokiActors.Actors.Sessions;
using OpenCryptokiActors.Actors.Slots;
using OpenCryptokiActors.Actors.Statistics;
using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Cryptoki.Wire;
using static OpenCryptokiActors.Actors.Applications.ApplicationProtocol;
using static OpenCryptokiActors.Actors.Tokens.TokenProtocol;

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
    private readonly WireWriter _out = new();

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
        Receive<ClientRequest>(Route);
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
        Receive<SessionOpenResult>(Opened);
        ForkReceives();
        Receive<SlotTableChanged>(TableChanged);
        Receive<Describe>(_ => Sender.Tell(new ApplicationInfo(_appId, _peer.Pid, _peer.Uid, _peer.Gid,
            _sessions.Values.GroupBy(s => s.Slot.Settings.Id).ToDictionary(g => g.Key, g => g.Count()), _events.Count)));
        Receive<ConnectionClosed>(_ =>
        {
            if (--_connections > 0) return;
            _directory.Publish(System.Collections.Immutable.ImmutableDictionary<ulong, SessionRoute>.Empty);
            foreach (var slot in _slots.Slots.Values) slot.Token.Tell(new ApplicationGone(_appId));
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
            if (now is not null && now.Token.Equals(s.Slot.Token)) now.Token.Tell(new ApplicationGone(_appId));
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

    /// <summary>Replaces the session map the connection threads route by (after every change of <see cref="_sessions"/>).</summary>
    private void Publish() =>
        _directory.Publish(_sessions.ToImmutableDictionary(kv => kv.Key, kv => new SessionRoute(kv.Value.Actor, kv.Value.Slot.Token)));

    protected override void PostStop()
    {
        _out.Dispose();
        base.PostStop();
    }

    private void Route(ClientRequest req)
    {
        try
        {
            if (OpcodeRoutes.IsSessionLocal(req.Opcode))
            {
                if (_sessions.TryGetValue(req.SessionHandle, out var s)) s.Actor.Tell(req);
                else req.Reply(CKR.SESSION_HANDLE_INVALID);
                return;
            }

            if (OpcodeRoutes.IsTokenScoped(req.Opcode))
            {
                if (!_sessions.TryGetValue(req.SessionHandle, out var s))
                {
                    req.Reply(CKR.SESSION_HANDLE_INVALID);
                    return;
                }

                s.Slot.Token.Tell(new Request(req, _appId, s.Actor, _peer));
                if (req.Opcode == Opcode.CloseSession)
                {
                    _sessions.Remove(req.SessionHandle);
                    Publish();
                    Context.Stop(s.Actor);
                }

                return;
            }

            SlotCall(req);
        }
        catch (WireFormatException)
        {
            req.Reply(CKR.ARGUMENTS_BAD);
        }
    }

    private SlotEntry Slot(ulong id) => _slots.Slots.TryGetValue(id, out var s) && Visible(s) ? s : throw new SlotInvalid();

    private sealed class SlotInvalid : Exception;

    private void SlotCall(ClientRequest req)
    {
        var r = new WireReader(req.Payload);
        try
        {
            switch (req.Opcode)
            {
                case Opcode.GetSlotList:
                    r.ReadBool();
                    r.ExpectEnd();
                    _out.Reset();
                    _out.WriteULongs(_slots.SlotIds.Where(id => Visible(_slots.Slots[id])).ToArray());
                    req.Reply(CKR.OK, _out);
                    break;
                case Opcode.GetSlotInfo:
                {
                    var slot = Slot(r.ReadULong());
                    r.ExpectEnd();
                    _out.Reset();
                    _out.WritePadded(slot.Settings.Description, 64);
                    _out.WritePadded(slot.Settings.Manufacturer, 32);
                    _out.WriteULong(CKF.TOKEN_PRESENT);
                    _out.WriteByte(slot.Settings.HardwareVersion.Major);
                    _out.WriteByte(slot.Settings.HardwareVersion.Minor);
                    _out.WriteByte(slot.Settings.FirmwareVersion.Major);
                    _out.WriteByte(slot.Settings.FirmwareVersion.Minor);
                    req.Reply(CKR.OK, _out);
                    break;
                }

                case Opcode.GetMechanismList:
                {
                    var slot = Slot(r.ReadULong());
                    r.ExpectEnd();
                    _out.Reset();
                    _out.WriteULongs(slot.Mechanisms.Types.ToArray());
                    req.Reply(CKR.OK, _out);
                    break;
                }

                case Opcode.GetMechanismInfo:
                {
                    var slot = Slot(r.ReadULong());
                    var type = r.ReadULong();
                    r.ExpectEnd();
                    if (!slot.Mechanisms.TryGet(type, out var info, out _))
                    {
                        req.Reply(CKR.MECHANISM_INVALID);
                        break;
                    }

                    _out.Reset();
                    _out.WriteULong(info.MinKeySize);
                    _out.WriteULong(info.MaxKeySize);
                    _out.WriteULong(info.Flags);
                    req.Reply(CKR.OK, _out);
                    break;
                }

                case Opcode.GetTokenInfo:
                case Opcode.InitToken:
                    Slot(r.ReadULong()).Token.Tell(new Request(req, _appId, null, _peer));
                    break;

                case Opcode.OpenSession:
                {
                    var slot = Slot(r.ReadULong());
                    var flags = r.ReadULong();
                    r.ExpectEnd();
                    slot.Token.Tell(new OpenSession(req, _appId, _nextHandle++, flags, _peer));
                    break;
                }

                case Opcode.CloseAllSessions:
                {
                    var slotId = r.ReadULong();
                    var slot = Slot(slotId);
                    r.ExpectEnd();
                    foreach (var (handle, s) in _sessions.Where(kv => kv.Value.Slot.Settings.Id == slotId).ToList())
                    {
                        _sessions.Remove(handle);
                        Context.Stop(s.Actor);
                    }

                    Publish();
                    slot.Token.Tell(new Request(req, _appId, null, _peer));
                    break;
                }

                case Opcode.WaitForSlotEvent:
                {
                    r.ReadULong(); // flags: the daemon always answers at once (the module polls for a blocking wait)
                    r.ExpectEnd();
                    if (_events.Count == 0)
                    {
                        req.Reply(CKR.NO_EVENT);
                        break;
                    }

                    var slotId = _events[0];
                    _events.RemoveAt(0);
                    _out.Reset();
                    _out.WriteULong(slotId);
                    req.Reply(CKR.OK, _out);
                    break;
                }

                case Opcode.ForkPrepare:
                    PrepareFork(req, ref r);
                    break;

                default:
                    req.Reply(CKR.FUNCTION_NOT_SUPPORTED);
                    break;
            }
        }
        catch (SlotInvalid)
        {
            req.Reply(CKR.SLOT_ID_INVALID);
        }
    }

    private void Opened(SessionOpenResult result)
    {
        if (result.Rv != CKR.OK)
        {
            result.Client.Reply(result.Rv);
            return;
        }

        var slot = _slots.Slots.Values.FirstOrDefault(s => s.Token.Equals(Sender));
        if (slot is null)
        {
            // The slot was removed while the session was being opened: its token is going away.
            result.Client.Reply(CKR.DEVICE_REMOVED);
            return;
        }

        var actor = Context.ActorOf(SessionActor.Props(_appId, result.Handle, slot.Mechanisms, slot.Token, _stateKey,
            _stats?.For((uint)_peer.Uid, slot.Settings.Id), slot.Settings.Policy, slot.Settings.Id), $"session-{result.Handle}");
        _sessions[result.Handle] = (slot, actor);
        Publish();
        _out.Reset();
        _out.WriteULong(result.Handle);
        result.Client.Reply(CKR.OK, _out);
    }
}
