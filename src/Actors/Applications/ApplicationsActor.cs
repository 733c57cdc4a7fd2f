using Akka.Actor;
using OpenCryptokiActors.Actors.Slots;
using static OpenCryptokiActors.Actors.Applications.ApplicationProtocol;

namespace OpenCryptokiActors.Actors.Applications;

/// <summary>
/// /user/applications: one child per connected process. Replaces openCryptoki's process table and its
/// garbage collector: a child stops with its connection, and its sessions with it.
/// </summary>
public sealed class ApplicationsActor : ReceiveActor
{
    private ulong _nextAppId = 1;

    public ApplicationsActor(SlotTable slots)
    {
        Receive<Connect>(c =>
        {
            var id = _nextAppId++;
            var app = Context.ActorOf(ApplicationActor.Props(id, c.Peer, c.Sink, slots), $"app-{c.Peer.Pid}-{id}");
            Sender.Tell(new Connected(id, app));
        });
        Receive<GetCount>(_ => Sender.Tell(Context.GetChildren().Count()));
    }

    /// <summary>An application's failure is its own: stop it (its connection is closed by the server), never restart.</summary>
    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(_ => Directive.Stop);

    public static Props Props(SlotTable slots) => Akka.Actor.Props.Create(() => new ApplicationsActor(slots));
}
