using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Configuration;
using OpenCryptokiActors.Actors.Applications;
using OpenCryptokiActors.Actors.Protocol;
using OpenCryptokiActors.Actors.Server;
using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Cryptoki.Wire;

namespace OpenCryptokiActors.Actors.Tests;

/// <summary>A reply frame as the connection would have sent it.</summary>
public sealed record Reply(uint RequestId, ulong Rv, byte[] Payload)
{
    public ulong ULong() => new WireReader(Payload).ReadULong();
}

/// <summary>
/// Stands in for a client connection: request frames are decoded by the edge's <see cref="RequestDecoder"/> and told to
/// the ApplicationActor; replies come back through the edge's <see cref="ConnectionReplies"/> and are collected as frames.
/// </summary>
public sealed class ClientHarness : IReplySink
{
    private readonly BlockingCollection<Reply> _replies = new();
    private uint _nextId = 1;
    private ConnectionReplies? _replyRef;
    private Caller _caller = new(0, null);

    public IActorRef Application { get; private set; } = ActorRefs.Nobody;

    public ulong AppId => _caller.AppId;

    public static async Task<ClientHarness> ConnectAsync(IActorRef applications, int pid = 4242)
    {
        var client = new ClientHarness();
        var peer = new PeerCredentials(pid, 0, 0);
        var connected = await applications.Ask<ApplicationProtocol.Connected>(new ApplicationProtocol.Connect(peer), TimeSpan.FromSeconds(10));
        client.Attach(connected.Application, connected.AppId, peer);
        return client;
    }

    /// <summary>Uses an application actor obtained another way (a Connect or Join asked by the test).</summary>
    public void Attach(IActorRef application, ulong appId = 0, PeerCredentials? peer = null)
    {
        Application = application;
        _caller = new Caller(appId, peer);
        _replyRef = new ConnectionReplies(((IInternalActorRef)application).Provider, this, Akka.Event.NoLogger.Instance);
    }

    public void Send(uint requestId, ulong rv, ReadOnlySpan<byte> payload) => _replies.Add(new Reply(requestId, rv, payload.ToArray()));

    /// <summary>Sends a request without waiting; returns its id.</summary>
    public uint Tell(Opcode opcode, Action<WireWriter> payload)
    {
        using var w = new WireWriter();
        payload(w);
        var id = _nextId++;
        try
        {
            Application.Tell(RequestDecoder.Decode(id, opcode, w.WrittenSpan, _replyRef!, _caller, null));
        }
        catch (WireFormatException)
        {
            Send(id, CKR.ARGUMENTS_BAD, ReadOnlySpan<byte>.Empty);
        }
        catch (OpenCryptokiActors.Tokens.CkException e)
        {
            Send(id, e.Rv, ReadOnlySpan<byte>.Empty);
        }

        return id;
    }

    public Reply Next(TimeSpan? timeout = null)
    {
        if (!_replies.TryTake(out var reply, timeout ?? TimeSpan.FromSeconds(30))) throw new TimeoutException("no reply");
        return reply;
    }

    /// <summary>Sends a request and waits for its reply.</summary>
    public Reply Call(Opcode opcode, Action<WireWriter> payload)
    {
        var id = Tell(opcode, payload);
        var reply = Next();
        Assert.Equal(id, reply.RequestId);
        return reply;
    }

    public Reply CallOk(Opcode opcode, Action<WireWriter> payload)
    {
        var reply = Call(opcode, payload);
        Assert.True(reply.Rv == CKR.OK, $"{opcode} returned {CkRvNames.Name(reply.Rv)}");
        return reply;
    }

    public void Disconnect() => Application.Tell(ApplicationProtocol.ConnectionClosed.Instance);

    // ---- common calls

    public void InitToken(ulong slot, string soPin, string label) =>
        CallOk(Opcode.InitToken, w => { w.WriteULong(slot); w.WriteBytes(System.Text.Encoding.UTF8.GetBytes(soPin)); w.WritePadded(label, 32); });

    public ulong OpenSession(ulong slot, bool rw = true) =>
        CallOk(Opcode.OpenSession, w => { w.WriteULong(slot); w.WriteULong(CKF.SERIAL_SESSION | (rw ? CKF.RW_SESSION : 0)); }).ULong();

    public void Login(ulong session, ulong userType, string pin) =>
        CallOk(Opcode.Login, w => { w.WriteULong(session); w.WriteULong(userType); w.WriteBytes(System.Text.Encoding.UTF8.GetBytes(pin)); });

    public (ulong Sessions, ulong RwSessions, ulong Flags) TokenCounts(ulong slot)
    {
        var reply = CallOk(Opcode.GetTokenInfo, w => w.WriteULong(slot));
        var r = new WireReader(reply.Payload);
        r.ReadRaw(32 + 32 + 16 + 16);
        var flags = r.ReadULong();
        r.ReadULong();
        var sessions = r.ReadULong();
        r.ReadULong();
        var rw = r.ReadULong();
        return (sessions, rw, flags);
    }
}

/// <summary>Configuration for a test daemon on its own temporary data directory.</summary>
public static class TestConfig
{
    public static string NewDataDir() => Directory.CreateTempSubdirectory("ock-actors-").FullName;

    public static Config For(string dataDir, int slots = 1) => OpenCryptokiDaemon.Compose(ConfigurationFactory.ParseString($$"""
        opencryptoki {
          data-dir = "{{dataDir}}"
          socket = "{{dataDir}}/slotd.socket"
          pbkdf2-iterations = 1000
          slots = [ {{string.Join(",", Enumerable.Range(0, slots).Select(i => $"{{ id = {i}, token-type = soft, token-name = tok{i}, description = \"Soft token {i}\", max-login-failures = 3 }}"))}} ]
        }
        akka.loglevel = WARNING
        """));
}
