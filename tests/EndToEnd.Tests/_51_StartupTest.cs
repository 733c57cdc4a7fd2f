using System.Diagnostics;
using System.Net.Sockets;
using OpenCryptokiActors.EndToEnd.Tests.Infrastructure;
using static OpenCryptokiActors.EndToEnd.Tests.Infrastructure.DaemonKit;

namespace OpenCryptokiActors.EndToEnd.Tests;

/// <summary>
/// Start-up without races: the socket file appears only once ock-slotd accepts (bound under another name, listening,
/// renamed into place), a client that comes while the tokens recover is answered "starting" and retried by the module,
/// and the daemon tells systemd READY=1 when it serves (issue HARDENING).
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class _51_StartupTest
{
    [Fact]
    public void Whoever_sees_the_socket_file_can_connect_and_a_client_that_comes_early_is_served()
    {
        var dir = NewDir("startup");
        File.SetUnixFileMode(dir, (UnixFileMode)Convert.ToInt32("0755", 8));
        var daemon = new SlotDaemon(dir, [new SlotConfig(0, "early", "Early client")]);
        var psi = new ProcessStartInfo("dotnet") { ArgumentList = { Repo.DaemonPath, "--config", daemon.ConfigFile! }, WorkingDirectory = dir,
            RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = new Process { StartInfo = psi };
        var output = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            var watch = Stopwatch.StartNew();
            while (!File.Exists(daemon.SocketPath))
            {
                Assert.False(process.HasExited, "ock-slotd exited: " + output);
                Assert.True(watch.Elapsed < TimeSpan.FromSeconds(90), "no socket file within 90 s");
                Thread.Sleep(2);
            }

            // the moment the file is there, connect() succeeds: no "connection refused" that looks like a stale socket
            using (var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
                s.Connect(new UnixDomainSocketEndPoint(daemon.SocketPath));

            // a client that comes now is served: the module retries while the daemon says "starting"
            var env = Env(daemon.SocketPath);
            env["OPENCRYPTOKI_ACTORS_CONNECT_RETRY_MS"] = "60000";
            var r = RunAs(null, env, "slots");
            Assert.True(r.ExitCode == 0, r + "\n" + output);
            Assert.Contains("slots=0", r.Stdout);
        }
        finally
        {
            Libc.Kill(process.Id, Libc.SIGTERM);
            process.WaitForExit(30_000);
            if (!process.HasExited) process.Kill();
        }
    }

    [Fact]
    public async Task A_daemon_that_answers_starting_is_retried_for_about_two_seconds_and_then_named()
    {
        var path = Path.Combine(NewDir("starting"), "slotd.socket");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen(16);
        var hellos = 0;
        var fake = Task.Run(() =>
        {
            // answers every Hello as a daemon whose tokens are still recovering
            while (true)
            {
                Socket c;
                try
                {
                    c = listener.Accept();
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException)
                {
                    return;
                }

                using (c)
                {
                    var header = new byte[12];
                    for (var n = 0; n < 12;) n += c.Receive(header, n, 12 - n, SocketFlags.None);
                    var rest = new byte[BitConverter.ToUInt32(header) - 8];
                    for (var n = 0; n < rest.Length;) n += c.Receive(rest, n, rest.Length - n, SocketFlags.None);
                    var reply = new byte[16 + 4];
                    BitConverter.TryWriteBytes(reply.AsSpan(0), (uint)(reply.Length - 4));
                    BitConverter.TryWriteBytes(reply.AsSpan(4), BitConverter.ToUInt32(header, 4));
                    BitConverter.TryWriteBytes(reply.AsSpan(8), OpenCryptokiActors.Cryptoki.Wire.Frame.HelloStarting);
                    c.Send(reply);
                    Interlocked.Increment(ref hellos);
                }
            }
        });

        var traces = NewDir("starting-trace");
        var r = RunAs(null, Env(path, traces), "init");
        listener.Dispose();
        Assert.Contains("init rv=0x30 ", r.Stdout);
        var ms = int.Parse(r.Stdout.Split("ms=")[1].Trim());
        Assert.True(ms is >= 1500 and < 10_000, $"C_Initialize took {ms} ms");
        Assert.True(hellos > 3, $"{hellos} Hellos");
        Assert.Contains($"ock-slotd at {path} is starting", Traces(traces));
        await fake.WaitAsync(TimeSpan.FromSeconds(10));
    }
}
