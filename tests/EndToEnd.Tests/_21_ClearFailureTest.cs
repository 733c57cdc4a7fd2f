using System.Buffers.Binary;
using System.Net.Sockets;
using OpenCryptokiActors.EndToEnd.Tests.Infrastructure;
using static OpenCryptokiActors.EndToEnd.Tests.Infrastructure.DaemonKit;

namespace OpenCryptokiActors.EndToEnd.Tests;

/// <summary>
/// openCryptoki's most reported pain, answered: no daemon, a wrong or stale socket path, a user not in the group, an
/// incompatible protocol version: C_Initialize fails fast, and the trace says what is wrong and how to fix it.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class _21_ClearFailureTest
{
    private static (string Stdout, string Trace, int Ms) Init(string socket, string? user = null)
    {
        var traces = NewDir("trace");
        var r = RunAs(user, Env(socket, traces), "init");
        Assert.True(r.ExitCode == 0, r.ToString());
        var ms = int.Parse(r.Stdout.Split("ms=")[1].Trim());
        return (r.Stdout, Traces(traces), ms);
    }

    [Fact]
    public void No_daemon_at_the_socket_path_fails_fast_and_says_how_to_fix_it()
    {
        var path = Path.Combine(NewDir("nodaemon"), "slotd.socket");
        var (stdout, trace, ms) = Init(path);
        Assert.Contains("init rv=0x30 ", stdout); // CKR_DEVICE_ERROR
        Assert.True(ms < 500, $"C_Initialize took {ms} ms");
        Assert.Contains($"no ock-slotd socket at {path}", trace);
        Assert.Contains("start ock-slotd", trace);
        Assert.Contains("OPENCRYPTOKI_ACTORS_SOCKET", trace);
    }

    [Fact]
    public void A_stale_socket_of_a_stopped_daemon_is_named_as_such()
    {
        var path = Path.Combine(NewDir("stale"), "slotd.socket");
        // Bound, never listening: what a stopped daemon leaves (closing a .NET socket would delete the file).
        using var bound = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        bound.Bind(new UnixDomainSocketEndPoint(path));

        var (stdout, trace, ms) = Init(path);
        Assert.Contains("init rv=0x30 ", stdout);
        // a refused connect is retried for about 2 s (a daemon being started), then named a stale socket
        Assert.True(ms < 5000, $"C_Initialize took {ms} ms");
        Assert.Contains($"stale socket: nothing listens on {path}", trace);
    }

    [Fact]
    public void A_user_outside_the_sockets_group_is_told_which_group_and_the_command_that_fixes_it()
    {
        EnsureUsers();
        var dir = NewDir("perm");
        File.SetUnixFileMode(dir, (UnixFileMode)Convert.ToInt32("0755", 8));
        var path = Path.Combine(dir, "slotd.socket");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen(4);
        File.SetUnixFileMode(path, (UnixFileMode)Convert.ToInt32("0660", 8));
        Assert.Equal(0, ProcessRunner.Run("chgrp", [ClientGroup, path], null, TimeSpan.FromSeconds(10)).ExitCode);

        var (stdout, trace, ms) = Init(path, Outsider);
        Assert.Contains("init rv=0x30 ", stdout);
        Assert.True(ms < 500, $"C_Initialize took {ms} ms");
        Assert.Contains($"permission denied on {path}", trace);
        Assert.Contains($"user {Outsider}", trace);
        Assert.Contains($"not in group '{ClientGroup}'", trace);
        Assert.Contains($"usermod -aG {ClientGroup} {Outsider}", trace);
    }

    [Fact]
    public async Task A_daemon_of_another_protocol_version_is_named_with_both_versions()
    {
        var path = Path.Combine(NewDir("version"), "slotd.socket");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen(4);
        var fake = Task.Run(() =>
        {
            // A future daemon: answers Hello with CKR_OK but the next protocol version.
            using var client = listener.Accept();
            var header = new byte[12];
            var n = 0;
            while (n < 12) n += client.Receive(header, n, 12 - n, SocketFlags.None);
            var rest = new byte[BinaryPrimitives.ReadUInt32LittleEndian(header) - 8];
            n = 0;
            while (n < rest.Length) n += client.Receive(rest, n, rest.Length - n, SocketFlags.None);
            var reply = new byte[16 + 12];
            BinaryPrimitives.WriteUInt32LittleEndian(reply, (uint)(reply.Length - 4));
            BinaryPrimitives.WriteUInt32LittleEndian(reply.AsSpan(4), BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(4)));
            BinaryPrimitives.WriteUInt32LittleEndian(reply.AsSpan(16), OpenCryptokiActors.Cryptoki.Wire.Frame.ProtocolVersion + 1);
            BinaryPrimitives.WriteUInt64LittleEndian(reply.AsSpan(20), 1);
            client.Send(reply);
            client.Receive(new byte[16]); // until the module closes
        });

        var (stdout, trace, _) = Init(path);
        Assert.Contains("init rv=0x30 ", stdout);
        var v = OpenCryptokiActors.Cryptoki.Wire.Frame.ProtocolVersion;
        Assert.Contains($"speaks protocol version {v + 1}, this module speaks version {v}", trace);
        Assert.Contains("same release", trace);
        await fake.WaitAsync(TimeSpan.FromSeconds(10));
    }
}
