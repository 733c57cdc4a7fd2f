using Akka.Actor;
using OpenCryptokiActors.Actors.Protocol;
using OpenCryptokiActors.Actors.Sessions;
using OpenCryptokiActors.Actors.Tokens;
using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Cryptoki.Wire;
using OpenCryptokiActors.Tokens.Mechanisms;
using static OpenCryptokiActors.Actors.Sessions.SessionCommands;

namespace OpenCryptokiActors.Actors.Tests;

/// <summary>
/// Every request is answered: an exception thrown anywhere on a request's path — in a mechanism, in the session, in the
/// token, in the application — becomes a CKR_FUNCTION_FAILED reply (and a log line), never silence; a failed operation
/// ends, and the actors go on serving.
/// </summary>
public sealed class FaultInjectionSpec : Akka.TestKit.Xunit2.TestKit, IDisposable
{
    private const ulong Faulty = CKM.VENDOR_DEFINED | 0x0FA1;
    private readonly string _dir = TestConfig.NewDataDir();

    /// <summary>A digest whose operation fails as a provider bug would: at creation (<paramref name="atCreate"/>) or on its second update.</summary>
    private sealed class FaultyDigest(bool atCreate) : IMechanism
    {
        public IDigestOperation CreateDigest(ulong mechanism, byte[]? parameter) =>
            atCreate ? throw new InvalidOperationException("injected at create") : new Operation();

        private sealed class Operation : IDigestOperation
        {
            private int _updates;

            public byte[] OneShot(ReadOnlySpan<byte> data) => throw new ObjectDisposedException("injected");

            public void Update(ReadOnlySpan<byte> data)
            {
                if (++_updates > 1) throw new ObjectDisposedException("injected in update");
            }

            public byte[] Final() => [1];
        }
    }

    private IActorRef Session(bool atCreate)
    {
        var registry = MechanismRegistry.CreateDefault();
        registry.Add(Faulty, new MechanismInfo(0, 0, CKF.DIGEST), new FaultyDigest(atCreate), MechanismFacts.AnyKey);
        return Sys.ActorOf(SessionActor.Props(new Caller(1, null), 1, registry, TestActor, new byte[32]));
    }

    private ulong Call(IActorRef target, Request request)
    {
        target.Tell(request);
        return ExpectMsg<IReply>(r => r.Id == request.Id, TimeSpan.FromSeconds(10)).Rv;
    }

    [Fact]
    public async Task A_throw_in_a_mechanism_at_init_is_answered_and_the_session_goes_on()
    {
        var session = Session(atCreate: true);
        Assert.Equal(CKR.FUNCTION_FAILED, Call(session, new DigestInit(1, new WireMechanism(Faulty, null)) { Id = 1, ReplyTo = TestActor }));
        Assert.Equal(CKR.OK, Call(session, new DigestInit(1, new WireMechanism(CKM.SHA256, null)) { Id = 2, ReplyTo = TestActor }));
        // as the embedded API asks: the temporary actor of the Ask is the reply address
        var reply = await session.Ask<Reply<Output>>(
            (IActorRef to) => new SinglePart(1, SessionProtocol.OperationKind.Digest, [1], 64) { Id = 3, ReplyTo = to }, TimeSpan.FromSeconds(10), CancellationToken.None);
        Assert.Equal(32UL, reply.Result.Length);
    }

    [Fact]
    public void A_throw_in_an_operation_is_answered_and_ends_the_operation()
    {
        var session = Session(atCreate: false);
        Assert.Equal(CKR.OK, Call(session, new DigestInit(1, new WireMechanism(Faulty, null)) { Id = 1, ReplyTo = TestActor }));
        Assert.Equal(CKR.OK, Call(session, new Update(1, SessionProtocol.OperationKind.Digest, [1]) { Id = 2, ReplyTo = TestActor }));
        Assert.Equal(CKR.FUNCTION_FAILED, Call(session, new Update(1, SessionProtocol.OperationKind.Digest, [2]) { Id = 3, ReplyTo = TestActor }));
        Assert.Equal(CKR.OPERATION_NOT_INITIALIZED, Call(session, new Update(1, SessionProtocol.OperationKind.Digest, [3]) { Id = 4, ReplyTo = TestActor }));
        Assert.Equal(CKR.OK, Call(session, new DigestInit(1, new WireMechanism(Faulty, null)) { Id = 5, ReplyTo = TestActor }));
    }

    [Fact]
    public void A_throw_in_the_session_on_a_malformed_command_is_answered()
    {
        var session = Session(atCreate: false);
        // a template that is not there at all (a default immutable array): the session's own code throws on it
        Assert.Equal(CKR.FUNCTION_FAILED, Call(session,
            new GenerateKey(1, new WireMechanism(CKM.AES_KEY_GEN, null), new Template(default)) { Id = 1, ReplyTo = TestActor }));
        Assert.Equal(CKR.OK, Call(session, new DigestInit(1, new WireMechanism(CKM.SHA256, null)) { Id = 2, ReplyTo = TestActor }));
    }

    [Fact]
    public async Task A_throw_in_the_token_and_through_the_application_is_answered_and_the_token_goes_on()
    {
        var applications = await Runtime.StartAsync(Sys, TestConfig.For(_dir));
        var client = await ClientHarness.ConnectAsync(applications);
        client.InitToken(0, "so-pin-0", "faults");
        var session = client.OpenSession(0);
        var caller = new Caller(client.AppId, new PeerCredentials(4242, 0, 0));

        // routed by the application to the token, whose rules throw on the missing template
        Assert.Equal(CKR.FUNCTION_FAILED, Call(client.Application,
            new TokenCommands.CreateObject(session, new Template(default)) { Id = 90, ReplyTo = TestActor, Caller = caller }));
        // an attribute query that is not there at all: the token's answer throws on it
        Assert.Equal(CKR.FUNCTION_FAILED, Call(client.Application,
            new TokenCommands.GetAttributeValue(session, 1, default) { Id = 91, ReplyTo = TestActor, Caller = caller }));
        // the token and the session go on
        client.Login(session, CKU.SO, "so-pin-0");
        Assert.Equal(CKR.OK, client.Call(Opcode.GetSessionInfo, w => w.WriteULong(session)).Rv);
    }

    public new void Dispose()
    {
        base.Dispose();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
