using Akka.Actor;
using OpenCryptokiActors.Actors.Protocol;
using OpenCryptokiActors.Actors.Sessions;
using OpenCryptokiActors.Cryptoki.Pkcs11;
using static OpenCryptokiActors.Actors.Applications.ApplicationProtocol;
using static OpenCryptokiActors.Actors.Applications.ForkProtocol;

namespace OpenCryptokiActors.Actors.Applications;

/// <summary>The ApplicationActor's part of fork safety (<see cref="ForkProtocol"/>): as a parent, and as a clone.</summary>
public sealed partial class ApplicationActor : IWithTimers
{
    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>How long the parts of a clone may take before ForkPrepare answers CKR_FUNCTION_FAILED.</summary>
    private static readonly TimeSpan CloneTimeout = TimeSpan.FromSeconds(10);

    /// <summary>How long a clone waits for its child (which claims it as fork() returns) before it ends.</summary>
    private static readonly TimeSpan ClaimWindow = TimeSpan.FromSeconds(60);

    private int _clonePending = -1;
    private Request? _cloneClient;
    private byte[]? _cloneSecret;
    private bool _claimed = true;

    private void ForkReceives()
    {
        Receive<SeedClone>(Seed);
        Receive<CloneReady>(_ =>
        {
            if (_clonePending > 0 && --_clonePending == 0) CloneDone();
        });
        Receive<CloneTimedOut>(_ =>
        {
            if (_clonePending <= 0) return;
            _clonePending = -1;
            _cloneClient?.Answer(CKR.FUNCTION_FAILED);
            Self.Tell(ConnectionClosed.Instance);
        });
        Receive<TakeOver>(t =>
        {
            if (_claimed || _clonePending != -1 || _connections == 0)
            {
                t.Asker.Tell(new JoinRefused("the application was taken over already or has ended"));
                return;
            }

            _claimed = true;
            _peer = t.Peer;
            t.Asker.Tell(new Connected(_appId, Self, _cloneSecret!, _directory));
        });
        Receive<ClaimExpired>(_ =>
        {
            if (!_claimed) Self.Tell(ConnectionClosed.Instance);
        });
    }

    /// <summary>ForkPrepare, in the parent: the applications supervisor makes the clone, which answers.</summary>
    private void PrepareFork(ApplicationCommands.ForkPrepare req)
    {
        var sessions = _sessions.Select(kv => new ClonedSession(kv.Key, kv.Value.Slot, kv.Value.Actor)).ToArray();
        Context.Parent.Tell(new CreateClone(_appId, _peer, sessions, _events.ToArray(), _nextHandle, req));
    }

    /// <summary>In the clone: a session actor per parent session (same handle), each told its operations; each token told to copy.</summary>
    private void Seed(SeedClone m)
    {
        _claimed = false;
        _cloneSecret = m.Secret;
        _cloneClient = m.Client;
        _nextHandle = m.NextHandle;
        _events.AddRange(m.Events);
        var byToken = new Dictionary<IActorRef, Dictionary<ulong, IActorRef>>();
        foreach (var s in m.Sessions)
        {
            var slot = s.Slot;
            var actor = Context.ActorOf(SessionActor.Props(new Caller(_appId, _peer), s.Handle, slot.Mechanisms, slot.Token, _stateKey,
                _stats?.For((uint)_peer.Uid, slot.Settings.Id), slot.Settings.Policy, slot.Settings.Id), $"session-{s.Handle}");
            _sessions[s.Handle] = (slot, actor);
            s.ParentSession.Tell(new CloneSessionTo(actor, Self));
            if (!byToken.TryGetValue(slot.Token, out var map)) byToken[slot.Token] = map = new Dictionary<ulong, IActorRef>();
            map[s.Handle] = actor;
        }

        _clonePending = m.Sessions.Count + byToken.Count;
        foreach (var (token, map) in byToken) token.Tell(new CloneApplication(m.ParentId, _appId, map, Self));
        if (_clonePending == 0) CloneDone();
        else Timers.StartSingleTimer(nameof(CloneTimedOut), CloneTimedOut.Instance, CloneTimeout);
    }

    /// <summary>Every part copied: publish the sessions and answer the parent's ForkPrepare with the clone's id and secret.</summary>
    private void CloneDone()
    {
        _clonePending = -1;
        Publish();
        _cloneClient!.Ok(new ForkClone(_appId, _cloneSecret!));
        _cloneClient = null;
        Timers.Cancel(nameof(CloneTimedOut));
        Timers.StartSingleTimer(nameof(ClaimExpired), ClaimExpired.Instance, ClaimWindow);
    }
}
