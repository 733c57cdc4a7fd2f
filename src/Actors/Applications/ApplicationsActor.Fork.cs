using System.Security.Cryptography;
using Akka.Actor;
using OpenCryptokiActors.Actors.Statistics;
using static OpenCryptokiActors.Actors.Applications.ApplicationProtocol;
using static OpenCryptokiActors.Actors.Applications.ForkProtocol;

namespace OpenCryptokiActors.Actors.Applications;

/// <summary>The applications supervisor's part of fork safety (<see cref="ForkProtocol"/>): it makes clones and hands them to children.</summary>
public sealed partial class ApplicationsActor
{
    private void ForkReceives(MechanismStatistics? stats)
    {
        Receive<CreateClone>(c =>
        {
            var id = _nextAppId++;
            var secret = RandomNumberGenerator.GetBytes(16);
            var sessions = new SessionDirectory();
            var app = Context.ActorOf(ApplicationActor.Props(id, c.Peer, sessions, _slots, stats), $"app-{c.Peer.Pid}-{id}-fork");
            Context.Watch(app);
            // Pid 0 until a child takes it over: no JoinApplication is admitted before.
            _apps[id] = (secret, c.Peer with { Pid = 0 }, app, sessions);
            _idOf[app] = id;
            app.Tell(new SeedClone(c.ParentId, secret, c.Sessions, c.Events, c.NextHandle, c.Client));
        });
        Receive<ClaimClone>(j =>
        {
            if (!_apps.TryGetValue(j.AppId, out var a) || !CryptographicOperations.FixedTimeEquals(a.Secret, j.Secret))
                Sender.Tell(new JoinRefused("unknown application or wrong secret"));
            else if (a.Peer.Pid != 0 || a.Peer.Uid != j.Peer.Uid)
                Sender.Tell(new JoinRefused("the application is not a clone for this process to take over"));
            else
            {
                a.Peer = j.Peer;
                _apps[j.AppId] = a;
                a.Actor.Tell(new TakeOver(Sender, j.Peer));
            }
        });
    }
}
