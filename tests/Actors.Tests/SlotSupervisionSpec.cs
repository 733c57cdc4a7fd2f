using Akka.Actor;
using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Cryptoki.Wire;

namespace OpenCryptokiActors.Actors.Tests;

public sealed class SlotSupervisionSpec : Akka.TestKit.Xunit2.TestKit
{
    private readonly string _dir;

    public SlotSupervisionSpec() : this(TestConfig.NewDataDir())
    {
    }

    private SlotSupervisionSpec(string dir) : base(TestConfig.For(dir), "supervision") => _dir = dir;

    [Fact]
    public async Task Slot_must_start_a_stopped_token_again_and_callers_must_never_hang_meanwhile()
    {
        var applications = await Runtime.StartAsync(Sys, TestConfig.For(_dir));
        var client = await ClientHarness.ConnectAsync(applications);
        client.InitToken(0, "so-pin-0", "supervised");

        // A persistent actor whose journal write fails is stopped by Akka.Persistence; stopping it is the same fault.
        var token = await Sys.ActorSelection("/user/slot-manager/slot-0/token").ResolveOne(TimeSpan.FromSeconds(5));
        Watch(token);
        token.Tell(PoisonPill.Instance);
        ExpectTerminated(token);

        // Every call gets an answer while the token is down, and the token is back with its state soon after.
        await AwaitAssertAsync(() =>
        {
            var reply = client.Call(Opcode.GetTokenInfo, w => w.WriteULong(0));
            Assert.Equal(CKR.OK, reply.Rv);
        }, TimeSpan.FromSeconds(15), TimeSpan.FromMilliseconds(200));
        Assert.True((client.TokenCounts(0).Flags & CKF.TOKEN_INITIALIZED) != 0, "the restarted token must have recovered its state");
        var session = client.OpenSession(0);
        client.Login(session, CKU.SO, "so-pin-0");
    }
}
