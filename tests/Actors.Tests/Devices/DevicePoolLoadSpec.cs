using Akka.Actor;
using OpenCryptokiActors.Actors.Devices;
using OpenCryptokiActors.Tokens.Zcrypt;
using Xunit.Abstractions;
using static OpenCryptokiActors.Actors.Devices.DevicePoolProtocol;

namespace OpenCryptokiActors.Actors.Tests.Devices;

/// <summary>The pool under load and faults, on the emulator (faults cannot be injected into a real card).</summary>
public sealed class DevicePoolLoadSpec(ITestOutputHelper output) : Akka.TestKit.Xunit2.TestKit("akka.loglevel = WARNING", "devices-load")
{
    private static readonly ApQueueId Q0 = new(0, 5), Q1 = new(1, 5), Q2 = new(2, 5), Q3 = new(3, 5);

    /// <summary>Collects the answers to <paramref name="count"/> requests, checking each tag is answered exactly once.</summary>
    private List<Result> Collect(int count, TimeSpan each)
    {
        var results = new List<Result>(count);
        var seen = new HashSet<long>();
        for (var i = 0; i < count; i++)
        {
            var r = ExpectMsg<Result>(each);
            Assert.True(seen.Add(r.Tag), $"request {r.Tag} answered twice");
            results.Add(r);
        }

        return results;
    }

    [Fact]
    public async Task A_queue_going_offline_mid_burst_loses_no_request_and_its_requests_are_rerouted()
    {
        using var backend = DeviceBackendUnderTest.Create("emulator");
        foreach (var q in new[] { Q0, Q1, Q2, Q3 }) backend.Emulator!.SetLatency(q, TimeSpan.FromMilliseconds(2));
        var pool = backend.StartPool(Sys, backend.Settings(maxPending: 1000));
        await DevicePoolContractSpec.WaitUsable(pool, 4);
        const int total = 400;
        for (var i = 0; i < total / 2; i++) pool.Tell(new Execute(i, RsaMaterial.SmallSignRequest(i % 16)));
        backend.Emulator!.SetOffline(Q1, true); // mid-burst: requests on and for Q1 now answer ENODEV
        for (var i = total / 2; i < total; i++) pool.Tell(new Execute(i, RsaMaterial.SmallSignRequest(i % 16)));
        var results = Collect(total, TimeSpan.FromSeconds(60));
        ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        Assert.Equal(total, results.Select(r => r.Tag).Distinct().Count());
        Assert.All(results, r => Assert.Equal(Errno.Ok, r.Errno));
        var rerouted = results.Count(r => r.Attempts > 1);
        output.WriteLine($"rerouted: {rerouted} of {total}; per queue: " +
                         string.Join(", ", results.GroupBy(r => r.Queue).OrderBy(g => g.Key).Select(g => $"{g.Key}={g.Count()}")));
        Assert.True(rerouted > 0, "some requests must have been retried on another queue");
        Assert.All(results.Where(r => r.Attempts > 1), r => Assert.NotEqual(Q1.ToString(), r.Queue));
        var status = await pool.Ask<PoolStatus>(new GetStatus(), TimeSpan.FromSeconds(5));
        Assert.Equal(QueueHealth.Offline, status.Queues.Single(q => q.Queue == Q1.ToString()).Health);
    }

    [Fact]
    public async Task Every_queue_offline_answers_ENODEV_at_once_which_the_token_turns_into_fallback_or_CKR_DEVICE_ERROR()
    {
        using var backend = DeviceBackendUnderTest.Create("emulator", cards: 2);
        var pool = backend.StartPool(Sys, backend.Settings());
        await DevicePoolContractSpec.WaitUsable(pool, 2);
        backend.Emulator!.SetOffline(Q0, true);
        backend.Emulator!.SetOffline(Q1, true);
        for (var i = 0; i < 20; i++) pool.Tell(new Execute(i, RsaMaterial.SmallSignRequest(i)));
        var results = Collect(20, TimeSpan.FromSeconds(10));
        Assert.All(results, r => Assert.Equal(Errno.ENODEV, r.Errno));
        Assert.Equal(Cryptoki.Pkcs11.CKR.DEVICE_ERROR, QueueRules.ToCkr(Errno.ENODEV));
        await AwaitAssertAsync(async () =>
        {
            var s = await pool.Ask<PoolStatus>(new GetStatus(), TimeSpan.FromSeconds(5));
            Assert.All(s.Queues, q => Assert.Equal(QueueHealth.Offline, q.Health));
        }, TimeSpan.FromSeconds(10));
        // Once the pool knows, a request is answered without touching a queue.
        pool.Tell(new Execute(99, RsaMaterial.SmallSignRequest(99)));
        var r = ExpectMsg<Result>(TimeSpan.FromSeconds(5));
        Assert.Equal((Errno.ENODEV, 0), (r.Errno, r.Attempts));
    }

    [Fact]
    public async Task A_slow_queue_is_avoided_by_the_router()
    {
        using var backend = DeviceBackendUnderTest.Create("emulator");
        backend.Emulator!.SetLatency(Q0, TimeSpan.FromMilliseconds(200)); // the slow card: 100 times slower
        foreach (var q in new[] { Q1, Q2, Q3 }) backend.Emulator!.SetLatency(q, TimeSpan.FromMilliseconds(2));
        var pool = backend.StartPool(Sys, backend.Settings());
        await DevicePoolContractSpec.WaitUsable(pool, 4);
        const int total = 400, concurrency = 16;
        var sent = 0;
        for (; sent < concurrency; sent++) pool.Tell(new Execute(sent, RsaMaterial.SmallSignRequest(sent % 16)));
        var results = new List<Result>();
        while (results.Count < total)
        {
            var r = ExpectMsg<Result>(TimeSpan.FromSeconds(60));
            Assert.Equal(Errno.Ok, r.Errno);
            results.Add(r);
            if (sent < total) pool.Tell(new Execute(sent, RsaMaterial.SmallSignRequest(sent++ % 16)));
        }

        var slowShare = results.Count(r => r.Queue == Q0.ToString()) / (double)total;
        output.WriteLine($"share of the slow queue: {slowShare:P1} (fair share 25%); per queue: " +
                         string.Join(", ", results.GroupBy(r => r.Queue).OrderBy(g => g.Key).Select(g => $"{g.Key}={g.Count()}")));
        Assert.True(slowShare < 0.10, $"the slow queue got {slowShare:P1} of the requests");
    }

    [Fact]
    public async Task Beyond_the_admission_limit_requests_are_refused_at_once_with_CKR_DEVICE_MEMORY()
    {
        using var backend = DeviceBackendUnderTest.Create("emulator", cards: 2);
        backend.Emulator!.SetLatency(Q0, TimeSpan.FromMilliseconds(300));
        backend.Emulator!.SetLatency(Q1, TimeSpan.FromMilliseconds(300));
        var pool = backend.StartPool(Sys, backend.Settings(maxPending: 8));
        await DevicePoolContractSpec.WaitUsable(pool, 2);
        for (var i = 0; i < 50; i++) pool.Tell(new Execute(i, RsaMaterial.SmallSignRequest(i)));
        var results = Collect(50, TimeSpan.FromSeconds(20));
        var refused = results.TakeWhile(r => r.Errno == Errno.EBUSY).Count();
        // The 42 refusals are all answered before the first admitted request finishes: no pile-up behind the card.
        Assert.Equal(42, refused);
        Assert.Equal(42, results.Count(r => r.Errno == Errno.EBUSY));
        Assert.All(results.Skip(refused), r => Assert.Equal(Errno.Ok, r.Errno));
        Assert.All(results.Take(refused), r => Assert.Equal(0, r.Attempts));
        Assert.Equal(Cryptoki.Pkcs11.CKR.DEVICE_MEMORY, QueueRules.ToCkr(Errno.EBUSY));
        var status = await pool.Ask<PoolStatus>(new GetStatus(), TimeSpan.FromSeconds(5));
        Assert.Equal(42, status.Rejected);
    }

    [Fact]
    public async Task A_queue_that_comes_back_is_probed_and_used_again()
    {
        using var backend = DeviceBackendUnderTest.Create("emulator", cards: 2);
        var pool = backend.StartPool(Sys, backend.Settings(poll: TimeSpan.FromMilliseconds(50)));
        await DevicePoolContractSpec.WaitUsable(pool, 2);
        backend.Emulator!.SetCheckStop(Q0, true);
        await AwaitAssertAsync(async () =>
        {
            var s = await pool.Ask<PoolStatus>(new GetStatus(), TimeSpan.FromSeconds(5));
            Assert.Equal(QueueHealth.CheckStopped, s.Queues.Single(q => q.Queue == Q0.ToString()).Health);
        }, TimeSpan.FromSeconds(10));
        for (var i = 0; i < 20; i++) pool.Tell(new Execute(i, RsaMaterial.SmallSignRequest(i)));
        Assert.All(Collect(20, TimeSpan.FromSeconds(10)), r => Assert.Equal(Q1.ToString(), r.Queue));

        backend.Emulator!.SetCheckStop(Q0, false);
        await AwaitAssertAsync(async () =>
        {
            var s = await pool.Ask<PoolStatus>(new GetStatus(), TimeSpan.FromSeconds(5));
            Assert.Equal(QueueHealth.Online, s.Queues.Single(q => q.Queue == Q0.ToString()).Health);
        }, TimeSpan.FromSeconds(10));
        backend.Emulator!.SetLatency(Q1, TimeSpan.FromMilliseconds(5));
        for (var i = 0; i < 40; i++) pool.Tell(new Execute(100 + i, RsaMaterial.SmallSignRequest(i)));
        var again = Collect(40, TimeSpan.FromSeconds(10));
        Assert.All(again, r => Assert.Equal(Errno.Ok, r.Errno));
        Assert.Contains(again, r => r.Queue == Q0.ToString());

        // Removed and plugged in again: the same.
        backend.Emulator!.Remove(Q0);
        await AwaitAssertAsync(async () =>
        {
            var s = await pool.Ask<PoolStatus>(new GetStatus(), TimeSpan.FromSeconds(5));
            Assert.Equal(QueueHealth.Removed, s.Queues.Single(q => q.Queue == Q0.ToString()).Health);
        }, TimeSpan.FromSeconds(10));
        backend.Emulator!.Restore(Q0);
        await AwaitAssertAsync(async () =>
        {
            var s = await pool.Ask<PoolStatus>(new GetStatus(), TimeSpan.FromSeconds(5));
            Assert.Equal(QueueHealth.Online, s.Queues.Single(q => q.Queue == Q0.ToString()).Health);
        }, TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task An_EIO_burst_is_retried_elsewhere_and_degrades_the_queue_until_it_succeeds_again()
    {
        using var backend = DeviceBackendUnderTest.Create("emulator", cards: 2);
        var pool = backend.StartPool(Sys, backend.Settings());
        await DevicePoolContractSpec.WaitUsable(pool, 2);
        backend.Emulator!.SetLatency(Q1, TimeSpan.FromMilliseconds(30)); // Q0 is preferred while it is fast
        backend.Emulator!.Queue(Q0).EioBurst(3);
        for (var i = 0; i < 6; i++)
        {
            pool.Tell(new Execute(i, RsaMaterial.SmallSignRequest(i)));
            var r = ExpectMsg<Result>(TimeSpan.FromSeconds(10));
            Assert.Equal(Errno.Ok, r.Errno);
        }

        var status = await pool.Ask<PoolStatus>(new GetStatus(), TimeSpan.FromSeconds(5));
        Assert.Equal(3, status.Queues.Single(q => q.Queue == Q0.ToString()).Errors);
        Assert.True(status.Retried >= 3);
        // Degraded after three EIO in a row, then probed back to online.
        await AwaitAssertAsync(async () =>
        {
            var s = await pool.Ask<PoolStatus>(new GetStatus(), TimeSpan.FromSeconds(5));
            Assert.Equal(QueueHealth.Online, s.Queues.Single(q => q.Queue == Q0.ToString()).Health);
        }, TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_request_past_its_deadline_is_answered_ETIMEDOUT_once_even_when_the_card_answers_later()
    {
        using var backend = DeviceBackendUnderTest.Create("emulator", cards: 1);
        var pool = backend.StartPool(Sys, backend.Settings());
        await DevicePoolContractSpec.WaitUsable(pool);
        backend.Emulator!.SetLatency(Q0, TimeSpan.FromMilliseconds(400));
        pool.Tell(new Execute(1, RsaMaterial.SmallSignRequest(1), TimeSpan.FromMilliseconds(50)));
        var r = ExpectMsg<Result>(TimeSpan.FromSeconds(5));
        Assert.Equal(Errno.ETIMEDOUT, r.Errno);
        Assert.Equal(Cryptoki.Pkcs11.CKR.DEVICE_ERROR, QueueRules.ToCkr(r.Errno));
        ExpectNoMsg(TimeSpan.FromMilliseconds(700));
        await AwaitAssertAsync(async () =>
        {
            var s = await pool.Ask<PoolStatus>(new GetStatus(), TimeSpan.FromSeconds(5));
            Assert.Equal(0, s.Queues[0].InFlight);
            Assert.Equal(1, s.TimedOut);
        }, TimeSpan.FromSeconds(5));
    }
}
