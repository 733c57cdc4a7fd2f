using System.Buffers.Binary;
using System.Net.Sockets;
using OpenCryptokiActors.Cryptoki.Wire;
using OpenCryptokiActors.EndToEnd.Tests.Infrastructure;
using static OpenCryptokiActors.EndToEnd.Tests.Infrastructure.DaemonKit;

namespace OpenCryptokiActors.EndToEnd.Tests;

/// <summary>
/// The module never waits forever: a reply that does not come within the deadline of silence
/// (OPENCRYPTOKI_ACTORS_REPLY_TIMEOUT) answers CKR_DEVICE_ERROR and C_Finalize is not held behind it; a request the
/// daemon legitimately works on longer (a blocking C_WaitForSlotEvent) is kept alive by the daemon's keep-alives.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class _52_ReplyDeadlineTest
{
    [Fact]
    public async Task A_daemon_that_drops_a_request_costs_the_caller_the_deadline_not_its_thread()
    {
        var path = Path.Combine(NewDir("dropper"), "slotd.socket");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen(4);
        var fake = Task.Run(() =>
        {
            // answers Hello like ock-slotd, then reads requests and answers none
            using var c = listener.Accept();
            var header = new byte[12];
            for (var n = 0; n < 12;) n += c.Receive(header, n, 12 - n, SocketFlags.None);
            var rest = new byte[BinaryPrimitives.ReadUInt32LittleEndian(header) - 8];
            for (var n = 0; n < rest.Length;) n += c.Receive(rest, n, rest.Length - n, SocketFlags.None);
            var reply = new byte[16 + 4 + 8 + 16];
            BinaryPrimitives.WriteUInt32LittleEndian(reply, (uint)(reply.Length - 4));
            BinaryPrimitives.WriteUInt32LittleEndian(reply.AsSpan(4), BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(4)));
            BinaryPrimitives.WriteUInt32LittleEndian(reply.AsSpan(16), Frame.ProtocolVersion);
            BinaryPrimitives.WriteUInt64LittleEndian(reply.AsSpan(20), 1);
            c.Send(reply);
            var sink = new byte[4096];
            while (c.Receive(sink) > 0)
            {
            }
        });

        var traces = NewDir("dropper-trace");
        var env = Env(path, traces);
        env["OPENCRYPTOKI_ACTORS_REPLY_TIMEOUT"] = "2";
        var r = RunAs(null, env, "deadline");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("init rv=0x0", r.Stdout);
        Assert.Contains("call rv=0x30 ", r.Stdout); // CKR_DEVICE_ERROR
        Assert.Contains("finalize rv=0x0 ", r.Stdout);
        var ms = int.Parse(r.Stdout.Split("finalize rv=0x0 ms=")[1].Trim());
        Assert.True(ms < 30_000, $"C_Finalize returned {ms} ms after the call began");
        Assert.Contains("no reply from ock-slotd within 2 s of silence (OPENCRYPTOKI_ACTORS_REPLY_TIMEOUT)", Traces(traces));
        await fake.WaitAsync(TimeSpan.FromSeconds(10)); // the module closed its connection
    }

    [Fact]
    public void A_request_that_runs_longer_than_the_deadline_is_kept_alive_by_the_daemon()
    {
        // C_InitToken derives the SO PIN's key with 16,000,000 PBKDF2-HMAC-SHA512 iterations: seconds, in one request
        var dir = NewDir("keepalive");
        File.SetUnixFileMode(dir, (UnixFileMode)Convert.ToInt32("0755", 8));
        var daemon = new SlotDaemon(dir, [new SlotConfig(0, "ka", "Keep-alive")], pbkdf2Iterations: 16_000_000, group: ClientGroup,
            extraConfig: "  limits { keepalive-interval = 1s }");
        daemon.Start();
        try
        {
            var env = Env(daemon.SocketPath);
            env["OPENCRYPTOKI_ACTORS_REPLY_TIMEOUT"] = "2";
            var watch = System.Diagnostics.Stopwatch.StartNew();
            var r = Pkcs11Tool.RunWith(Repo.ModulePath, env, "--slot", "0", "--init-token", "--label", "ka", "--so-pin", SoPin);
            watch.Stop();
            Assert.True(r.ExitCode == 0, r + "\n" + daemon.OutputTail());
            Assert.Contains("Token successfully initialized", r.Output);
            // the request outlived the module's deadline of silence (2 s): keep-alives carried it
            Assert.True(watch.Elapsed > TimeSpan.FromSeconds(3), $"C_InitToken took {watch.Elapsed}: too fast to show the keep-alives");
        }
        finally
        {
            Discard(daemon);
        }
    }
}
