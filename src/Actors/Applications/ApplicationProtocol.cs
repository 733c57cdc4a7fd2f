using Akka.Actor;
using OpenCryptokiActors.Actors.Server;

namespace OpenCryptokiActors.Actors.Applications;

/// <summary>Messages of the applications supervisor and of each ApplicationActor.</summary>
public static class ApplicationProtocol
{
    /// <summary>Peer credentials from SO_PEERCRED.</summary>
    public sealed record PeerCredentials(int Pid, int Uid, int Gid);

    /// <summary>A client connected and passed admission; answered with <see cref="Connected"/>.</summary>
    public sealed record Connect(PeerCredentials Peer, IReplySink Sink);

    public sealed record Connected(ulong AppId, IActorRef Application);

    /// <summary>The client's connection ended (exit, kill, C_Finalize): the application and everything it holds go.</summary>
    public sealed record ConnectionClosed
    {
        public static readonly ConnectionClosed Instance = new();
    }

    /// <summary>Number of connected applications (for status and tests).</summary>
    public sealed record GetCount
    {
        public static readonly GetCount Instance = new();
    }
}
