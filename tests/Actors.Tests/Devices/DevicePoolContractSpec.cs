using Akka.Actor;
using OpenCryptokiActors.Actors.Devices;
using OpenCryptokiActors.Tokens.Zcrypt;
using static OpenCryptokiActors.Actors.Devices.DevicePoolProtocol;

namespace OpenCryptokiActors.Actors.Tests.Devices;

/// <summary>
/// The device pool's contract, run against every backend present: the emulator always, the real /dev/z90crypt when the
/// machine has one (the theory's data then has a second row).
/// </summary>
public sealed class DevicePoolContractSpec : Akka.TestKit.Xunit2.TestKit
{
    public DevicePoolContractSpec() : base("akka.loglevel = WARNING", "devices-contract")
    {
    }

    public static IEnumerable<object[]> Backends => DeviceBackendUnderTest.Present();

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task A_crt_request_answers_the_signature_dotnet_rsa_computes(string kind)
    {
        using var backend = DeviceBackendUnderTest.Create(kind);
        var pool = backend.StartPool(Sys, backend.Settings());
        await WaitUsable(pool);
        for (var i = 0; i < 8; i++)
        {
            pool.Tell(new Execute(i, RsaMaterial.SignRequest(i)));
            var r = ExpectMsg<Result>(TimeSpan.FromSeconds(10));
            Assert.Equal(i, r.Tag);
            Assert.Equal(Errno.Ok, r.Errno);
            Assert.Equal(RsaMaterial.DotNetSignature(i), r.Output);
            Assert.NotNull(r.Queue);
        }
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task A_mod_expo_request_answers_what_the_crt_form_answers(string kind)
    {
        using var backend = DeviceBackendUnderTest.Create(kind);
        var pool = backend.StartPool(Sys, backend.Settings());
        await WaitUsable(pool);
        var block = RsaMaterial.Pkcs1Block(new byte[32]);
        pool.Tell(new Execute(1, ZcryptRequests.ModExpo(block, RsaMaterial.Key.D!, RsaMaterial.Key.Modulus!)));
        var modExpo = ExpectMsg<Result>(TimeSpan.FromSeconds(10));
        pool.Tell(new Execute(2, ZcryptRequests.Crt(RsaMaterial.Key, block)));
        var crt = ExpectMsg<Result>(TimeSpan.FromSeconds(10));
        Assert.Equal(Errno.Ok, modExpo.Errno);
        Assert.Equal(modExpo.Output, crt.Output);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task Bad_input_answers_EINVAL_once_and_is_never_retried(string kind)
    {
        using var backend = DeviceBackendUnderTest.Create(kind);
        var pool = backend.StartPool(Sys, backend.Settings());
        await WaitUsable(pool);
        var tooLarge = Enumerable.Repeat((byte)0xff, 256).ToArray(); // not below the modulus
        pool.Tell(new Execute(7, ZcryptRequests.Crt(RsaMaterial.Key, tooLarge)));
        var r = ExpectMsg<Result>(TimeSpan.FromSeconds(10));
        Assert.Equal(Errno.EINVAL, r.Errno);
        Assert.Equal(1, r.Attempts);
        Assert.Equal(Cryptoki.Pkcs11.CKR.DATA_INVALID, QueueRules.ToCkr(r.Errno));
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task Status_lists_the_discovered_queues_and_counts_completed_requests(string kind)
    {
        using var backend = DeviceBackendUnderTest.Create(kind);
        var pool = backend.StartPool(Sys, backend.Settings());
        await WaitUsable(pool);
        for (var i = 0; i < 10; i++) pool.Tell(new Execute(i, RsaMaterial.SignRequest(i)));
        for (var i = 0; i < 10; i++) Assert.Equal(Errno.Ok, ExpectMsg<Result>(TimeSpan.FromSeconds(10)).Errno);
        var status = await pool.Ask<PoolStatus>(new GetStatus(), TimeSpan.FromSeconds(5));
        Assert.NotEmpty(status.Queues);
        Assert.Equal(10, status.Queues.Sum(q => q.Completed));
        Assert.All(status.Queues, q => Assert.Equal(0, q.InFlight));
        if (kind == "emulator") Assert.Equal(["00.0005", "01.0005", "02.0005", "03.0005"], status.Queues.Select(q => q.Queue));
    }

    internal static async Task WaitUsable(IActorRef pool, int queues = 1)
    {
        for (var i = 0; i < 100; i++)
        {
            var s = await pool.Ask<PoolStatus>(new GetStatus(), TimeSpan.FromSeconds(5));
            if (s.Queues.Count(q => q.Health == QueueHealth.Online) >= queues) return;
            await Task.Delay(50);
        }

        throw new TimeoutException("no usable queue");
    }
}
