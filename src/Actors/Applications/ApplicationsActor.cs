using OpenCryptokiActors.Actors.Protocol;
using System.Security.Cryptography;
using Akka.Actor;
using OpenCryptokiActors.Actors.Slots;
using OpenCryptokiActors.Actors.Statistics;
using static OpenCryptokiActors.Actors.Applications.ApplicationProtocol;

namespace OpenCryptokiActors.Actors.Applications;

/// <summary>
/// /user/applications: one child per connected process. Replaces openCryptoki's process table and its
/// garbage collector: a child stops with its connection, and its sessions with it. Keeps the latest slot table
/// (from the slot manager, when given one) for new children and passes every change and token event to all of them.
/// Its other child, the DeadLetterReplier, is no application: counts, lists and slot-table changes go to the
/// application children only.
/// </summary>
public sealed partial class ApplicationsActor : ReceiveActor
{
    private ulong _nextAppId = 1;
    private SlotTable _slots;
    private readonly Dictionary<ulong, (byte[] Secret, PeerCredentials Peer, IActorRef Actor, SessionDirectory Sessions)> _apps = new();
    private readonly Dictionary<IActorRef, ulong> _idOf = new();

    public ApplicationsActor(SlotTable slots, IActorRef? slotManager, MechanismStatistics? stats = null)
    {
        _slots = slots;
        Receive<Connect>(c =>
        {
            var id = _nextAppId++;
            var secret = RandomNumberGenerator.GetBytes(16);
            var sessions = new SessionDirectory();
            var app = Context.ActorOf(ApplicationActor.Props(id, c.Peer, sessions, _slots, stats), $"app-{c.Peer.Pid}-{id}");
            Context.Watch(app);
            _apps[id] = (secret, c.Peer, app, sessions);
            _idOf[app] = id;
            Sender.Tell(new Connected(id, app, secret, sessions));
        });
        Receive<Join>(j =>
        {
            if (!_apps.TryGetValue(j.AppId, out var a) || !CryptographicOperations.FixedTimeEquals(a.Secret, j.Secret))
                Sender.Tell(new JoinRefused("unknown application or wrong secret"));
            else if (a.Peer.Pid != j.Peer.Pid || a.Peer.Uid != j.Peer.Uid)
                Sender.Tell(new JoinRefused("the application belongs to another process"));
            else a.Actor.Tell(new AddConnection(Sender, j));
        });
        Receive<Terminated>(t =>
        {
            if (_idOf.Remove(t.ActorRef, out var id)) _apps.Remove(id);
        });
        Receive<GetCount>(_ => Sender.Tell(_apps.Count));
        ForkReceives(stats);
        Receive<SlotTableChanged>(changed =>
        {
            _slots = changed.Table;
            foreach (var app in _idOf.Keys) app.Tell(changed);
        });
        Receive<TokenChanged>(t =>
        {
            if (!_slots.Slots.ContainsKey(t.SlotId)) return;
            var changed = new SlotTableChanged(_slots, [t.SlotId]);
            foreach (var app in _idOf.Keys) app.Tell(changed);
        });
        Receive<ListApplications>(_ => Gather(_idOf.Keys.ToList()).PipeTo(Sender));
        slotManager?.Tell(new SlotManagerProtocol.SubscribeSlotTable(Self));
    }

    private static async Task<ApplicationList> Gather(IReadOnlyList<IActorRef> children)
    {
        static async Task<ApplicationInfo?> One(IActorRef child)
        {
            try
            {
                return await child.Ask<ApplicationInfo>(Describe.Instance, TimeSpan.FromSeconds(5));
            }
            catch (Exception e) when (e is AskTimeoutException or TaskCanceledException)
            {
                return null; // stopped meanwhile
            }
        }

        var infos = await Task.WhenAll(children.Select(One));
        return new ApplicationList(infos.OfType<ApplicationInfo>().OrderBy(a => a.AppId).ToList());
    }

    protected override void PreStart()
    {
        Context.System.EventStream.Subscribe(Self, typeof(TokenChanged));
        Context.ActorOf(DeadLetterReplier.Props(), "dead-letters");
        base.PreStart();
    }

    protected override void PostStop()
    {
        Context.System.EventStream.Unsubscribe(Self);
        base.PostStop();
    }

    /// <summary>An application's failure is its own: stop it (its connection is closed by the server), never restart.</summary>
    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(_ => Directive.Stop);

    public static Props Props(SlotTable slots, IActorRef? slotManager = null, MechanismStatistics? stats = null) =>
        Akka.Actor.Props.Create(() => new ApplicationsActor(slots, slotManager, stats));
}
