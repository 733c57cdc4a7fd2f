using Akka.Actor;
using Akka.Event;
using OpenCryptokiActors.Actors.Protocol;
using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Cryptoki.Wire;

namespace OpenCryptokiActors.Actors.Server;

/// <summary>Where a reply frame goes: the client's connection. Thread-safe; called by whoever holds the reply.</summary>
public interface IReplySink
{
    void Send(uint requestId, ulong rv, ReadOnlySpan<byte> payload);
}

/// <summary>
/// The actor reference a connection's requests are answered to: a reply told to it is encoded (<see cref="ReplyEncoder"/>)
/// and written to the connection by the thread of the actor that produced it — no mailbox, no hop (as Akka's own
/// promise references complete on Tell). It is registered as a temporary actor of the system for the connection's life,
/// so it has a path that resolves. Anything else told to it is logged and dropped.
/// </summary>
public sealed class ConnectionReplies : MinimalActorRef
{
    private readonly IReplySink _sink;
    private readonly IActorRefProvider _provider;
    private readonly ILoggingAdapter _log;
    private readonly Lock _gate = new();
    private readonly WireWriter _payload = new(4096);
    private bool _closed;

    public ConnectionReplies(ActorSystem system, IReplySink sink)
        : this(((ExtendedActorSystem)system).Provider, sink, Logging.GetLogger(system, typeof(ConnectionReplies)))
    {
    }

    public ConnectionReplies(IActorRefProvider provider, IReplySink sink, ILoggingAdapter log)
    {
        _sink = sink;
        _provider = provider;
        _log = log;
        Path = _provider.TempPath();
        _provider.RegisterTempActor(this, Path);
    }

    public override ActorPath Path { get; }

    public override IActorRefProvider Provider => _provider;

    protected override void TellInternal(object message, IActorRef sender)
    {
        if (message is not IReply reply)
        {
            _log.Warning("connection reply reference got {0}, which is no reply", message.GetType().Name);
            return;
        }

        lock (_gate)
        {
            if (_closed) return;
            _payload.Reset();
            try
            {
                ReplyEncoder.Encode(reply, _payload);
            }
            catch (ArgumentException e)
            {
                // a reply type without a wire form is a bug: the caller still gets an answer
                _log.Error(e, "reply {0} to request {1} has no wire form", reply.GetType().Name, reply.Id);
                _sink.Send(reply.Id, CKR.FUNCTION_FAILED, ReadOnlySpan<byte>.Empty);
                return;
            }

            _sink.Send(reply.Id, reply.Rv, _payload.WrittenSpan);
        }
    }

    /// <summary>The connection ended: no more writes; the path is released.</summary>
    public void Close()
    {
        lock (_gate)
        {
            if (_closed) return;
            _closed = true;
            _payload.Clear();
            _payload.Dispose();
        }

        _provider.UnregisterTempActor(Path);
    }
}
