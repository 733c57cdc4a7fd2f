using Akka.Actor;
using OpenCryptokiActors.Actors.Configuration;
using OpenCryptokiActors.Actors.Tokens;
using static OpenCryptokiActors.Actors.Slots.SlotManagerProtocol;

namespace OpenCryptokiActors.Actors.Slots;

/// <summary>
/// One slot: holds its token and supervises it. A token that throws (a bug) is restarted in place and
/// recovers its state from the journal. A token that stops (Akka.Persistence stops a persistent actor whose
/// journal write failed: disk full, database down) is started again after a growing delay, and the slot manager
/// publishes its new reference once it has recovered; meanwhile requests for it are answered
/// CKR_DEVICE_REMOVED by the dead-letter replier. In both cases its in-memory sessions are gone and clients get
/// CKR_SESSION_HANDLE_INVALID, as after a token removal.
/// </summary>
public sealed class SlotActor : ReceiveActor, IWithTimers
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);
    private readonly SlotSettings _slot;
    private readonly OpenCryptokiSettings _settings;
    private int _stops;

    public ITimerScheduler Timers { get; set; } = null!;

    public SlotActor(SlotSettings slot, OpenCryptokiSettings settings)
    {
        _slot = slot;
        _settings = settings;
        StartToken();
        Receive<Terminated>(_ =>
        {
            var delay = TimeSpan.FromMilliseconds(Math.Min(MaxBackoff.TotalMilliseconds, 500 * Math.Pow(2, _stops++)));
            Timers.StartSingleTimer("restart-token", RestartToken.Instance, delay);
        });
        Receive<RestartToken>(_ => StartToken());
        Receive<TokenProtocol.Ready>(_ => _stops = 0);
    }

    private sealed record RestartToken
    {
        public static readonly RestartToken Instance = new();
    }

    private void StartToken()
    {
        var token = Context.ActorOf(TokenActor.Props(_slot, _settings), "token");
        Context.Watch(token);
        token.Tell(TokenProtocol.AwaitReady.Instance);
        Context.Parent.Tell(new TokenStarted(_slot.Id, token));
    }

    protected override SupervisorStrategy SupervisorStrategy() =>
        new OneForOneStrategy(10, TimeSpan.FromMinutes(1), _ => Directive.Restart);

    public static Props Props(SlotSettings slot, OpenCryptokiSettings settings) =>
        Akka.Actor.Props.Create(() => new SlotActor(slot, settings));
}
