using Akka.Actor;
using OpenCryptokiActors.Actors.Configuration;
using OpenCryptokiActors.Actors.Tokens;
using static OpenCryptokiActors.Actors.Slots.SlotManagerProtocol;

namespace OpenCryptokiActors.Actors.Slots;

/// <summary>
/// One slot: holds its token and supervises it. A token that fails (a journal error, a bug) is restarted
/// and recovers its state from the journal; its in-memory sessions are gone and clients get
/// CKR_SESSION_HANDLE_INVALID, as after a token removal.
/// </summary>
public sealed class SlotActor : ReceiveActor
{
    public SlotActor(SlotSettings slot, OpenCryptokiSettings settings)
    {
        var token = Context.ActorOf(TokenActor.Props(slot, settings), "token");
        Context.Parent.Tell(new TokenStarted(slot.Id, token));
    }

    protected override SupervisorStrategy SupervisorStrategy() =>
        new OneForOneStrategy(10, TimeSpan.FromMinutes(1), _ => Directive.Restart);

    public static Props Props(SlotSettings slot, OpenCryptokiSettings settings) =>
        Akka.Actor.Props.Create(() => new SlotActor(slot, settings));
}
