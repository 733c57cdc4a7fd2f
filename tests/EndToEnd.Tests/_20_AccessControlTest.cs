using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;
using OpenCryptokiActors.EndToEnd.Tests.Infrastructure;
using static OpenCryptokiActors.EndToEnd.Tests.Infrastructure.DaemonKit;

namespace OpenCryptokiActors.EndToEnd.Tests;

/// <summary>A daemon whose group is ocktest-p11 (socket mode 0666, so that admission is the daemon's own check), slot 1 reserved for ocktest-hr.</summary>
public sealed class AccessControlDaemon : IDisposable
{
    public AccessControlDaemon()
    {
        EnsureUsers();
        Daemon = StartDaemon("acl", [new SlotConfig(0, "acl-open", "Open token"), new SlotConfig(1, "acl-hr", "HR token", Group: SlotGroup)],
            extraConfig: "  socket-mode = \"0666\"");
        InitToken(Daemon, 0, "open");
        InitToken(Daemon, 1, "hr");
    }

    public SlotDaemon Daemon { get; }

    public void Dispose() => Discard(Daemon);
}

/// <summary>
/// Access control with real Unix users and groups (created by the test: ocktest-*), real client processes run as
/// them: the daemon's group, a slot's own group, and the isolation of one application from another.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class _20_AccessControlTest(AccessControlDaemon acl) : IClassFixture<AccessControlDaemon>
{
    private SlotDaemon D => acl.Daemon;

    [Fact]
    public void A_group_member_is_admitted()
    {
        var r = RunAs(Member, Env(D.SocketPath), "slots");
        Assert.True(r.ExitCode == 0, r + "\n" + D.OutputTail());
        Assert.Contains("slots=0\n", r.Stdout);
    }

    [Fact]
    public void A_non_member_is_refused_with_the_reason_and_the_fix_in_the_trace()
    {
        var traces = NewDir("trace");
        var r = RunAs(Outsider, Env(D.SocketPath, traces), "init");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("init rv=0x6 ", r.Stdout); // CKR_FUNCTION_FAILED
        var trace = Traces(traces);
        Assert.Contains($"user {Outsider}", trace);
        Assert.Contains($"not in group '{ClientGroup}'", trace);
        Assert.Contains($"usermod -aG {ClientGroup} {Outsider}", trace);
    }

    [Fact]
    public void A_group_restricted_token_is_invisible_to_non_members()
    {
        var member = RunAs(Member, Env(D.SocketPath), "slots");
        Assert.Contains("slots=0\n", member.Stdout);
        var probe = RunAs(Member, Env(D.SocketPath), "probe", "1");
        Assert.True(probe.ExitCode == 0, probe.ToString());
        Assert.Contains("slotinfo rv=0x3 tokeninfo rv=0x3 open rv=0x3", probe.Stdout); // CKR_SLOT_ID_INVALID

        var hr = RunAs(HrMember, Env(D.SocketPath), "slots");
        Assert.True(hr.ExitCode == 0, hr.ToString());
        Assert.Contains("slots=0,1\n", hr.Stdout);
        Assert.Contains("slotinfo rv=0x0 tokeninfo rv=0x0 open rv=0x0", RunAs(HrMember, Env(D.SocketPath), "probe", "1").Stdout);
        Assert.Contains("slots=0,1\n", RunAs(null, Env(D.SocketPath), "slots").Stdout); // root sees everything
    }

    [Fact]
    public void One_application_never_sees_another_applications_sessions_objects_or_operations()
    {
        var dir = NewDir("iso");
        var go = Path.Combine(dir, "go");
        var label = "mine-" + Guid.NewGuid().ToString("N")[..6];
        using var holder = ProcessRunner.Start(ClientPath, [Repo.ModulePath, "holder", "0", label, go], Env(D.SocketPath));
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (!holder.Output.Contains("READY") && watch.Elapsed < TimeSpan.FromSeconds(30) && !holder.HasExited) Thread.Sleep(20);
        var ready = holder.Output.Split('\n').First(l => l.StartsWith("READY", StringComparison.Ordinal));
        var obj = ready.Split(' ').First(p => p.StartsWith("object=", StringComparison.Ordinal))["object=".Length..];
        Assert.Contains("session=1 ", ready);

        // Same user (root), another process: the holder's session 1, its session object and its operations are not there.
        var r = RunAs(null, Env(D.SocketPath), "intruder", "0", obj, label);
        Assert.True(r.ExitCode == 0, r + "\n" + D.OutputTail());
        Assert.Contains("sessioninfo=0xb3 digest=0xb3 find=0xb3 close=0xb3 attr=0x82 found=0 closeall=0x0", r.Stdout);

        File.WriteAllText(go, "");
        Assert.True(holder.WaitForExit(TimeSpan.FromSeconds(30)), holder.Output);
        // The holder's digest of "abc", its find and its object are intact.
        Assert.Contains($"found=1 digest=ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad label={label}", holder.Output);
    }

    [Fact]
    public void A_client_of_another_protocol_version_is_told_so()
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Connect(new UnixDomainSocketEndPoint(D.SocketPath));
        var hello = new byte[24];
        BinaryPrimitives.WriteUInt32LittleEndian(hello, 20);
        BinaryPrimitives.WriteUInt32LittleEndian(hello.AsSpan(4), 1);
        BinaryPrimitives.WriteUInt16LittleEndian(hello.AsSpan(8), 1); // Hello
        BinaryPrimitives.WriteUInt32LittleEndian(hello.AsSpan(12), 0x414B434F);
        BinaryPrimitives.WriteUInt32LittleEndian(hello.AsSpan(16), 99);
        BinaryPrimitives.WriteUInt32LittleEndian(hello.AsSpan(20), (uint)Environment.ProcessId);
        socket.Send(hello);
        socket.ReceiveTimeout = 5000;
        var reply = new byte[4096];
        var n = 0;
        int got;
        while ((got = socket.Receive(reply, n, reply.Length - n, SocketFlags.None)) > 0) n += got; // the daemon closes after the refusal
        Assert.True(n > 16, $"reply of {n} bytes");
        Assert.Equal(0x30UL, BinaryPrimitives.ReadUInt64LittleEndian(reply.AsSpan(8))); // CKR_DEVICE_ERROR
        var reason = Encoding.UTF8.GetString(reply, 20, (int)BinaryPrimitives.ReadUInt32LittleEndian(reply.AsSpan(16)));
        Assert.Contains("version 99", reason);
        Assert.Contains("same release", reason);
    }
}
