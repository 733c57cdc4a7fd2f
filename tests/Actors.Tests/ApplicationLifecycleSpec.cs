using OpenCryptokiActors.Actors.Applications;
using Akka.Actor;
using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Cryptoki.Wire;
using OpenCryptokiActors.Tokens.Objects;

namespace OpenCryptokiActors.Actors.Tests;

public sealed class ApplicationLifecycleSpec : Akka.TestKit.Xunit2.TestKit
{
    private readonly string _dir;

    public ApplicationLifecycleSpec() : this(TestConfig.NewDataDir())
    {
    }

    private ApplicationLifecycleSpec(string dir) : base(TestConfig.For(dir, slots: 2), "lifecycle") => _dir = dir;

    [Fact]
    public async Task Application_death_must_close_its_sessions_drop_its_session_objects_and_its_login()
    {
        var applications = await Runtime.StartAsync(Sys, TestConfig.For(_dir, slots: 2));
        var admin = await ClientHarness.ConnectAsync(applications, pid: 1);
        admin.InitToken(1, "so-pin-1", "lifecycle");
        var adminSession = admin.OpenSession(1);
        admin.Login(adminSession, CKU.SO, "so-pin-1");
        admin.CallOk(Opcode.InitPIN, w => { w.WriteULong(adminSession); w.WriteBytes("user-pin"u8); });
        admin.CallOk(Opcode.Logout, w => w.WriteULong(adminSession));
        var before = admin.TokenCounts(1);

        var doomed = await ClientHarness.ConnectAsync(applications, pid: 2);
        var s1 = doomed.OpenSession(1);
        doomed.OpenSession(1, rw: false);
        doomed.Login(s1, CKU.USER, "user-pin");
        doomed.CallOk(Opcode.CreateObject, w =>
        {
            w.WriteULong(s1);
            w.WriteTemplate([new(CKA.CLASS, Attr.ULong(CKO.DATA)), new(CKA.LABEL, "doomed"u8.ToArray())]);
        });
        var during = admin.TokenCounts(1);
        Assert.Equal(before.Sessions + 2, during.Sessions);
        Assert.Equal(before.RwSessions + 1, during.RwSessions);

        Watch(doomed.Application);
        doomed.Disconnect();
        ExpectTerminated(doomed.Application);

        await AwaitAssertAsync(() => Assert.Equal(before.Sessions, admin.TokenCounts(1).Sessions), TimeSpan.FromSeconds(5));
        Assert.Equal(before.RwSessions, admin.TokenCounts(1).RwSessions);

        // The session object is gone with its application; the login went too (a new app must log in again).
        var other = await ClientHarness.ConnectAsync(applications, pid: 3);
        var s = other.OpenSession(1);
        other.CallOk(Opcode.FindObjectsInit, w => { w.WriteULong(s); w.WriteTemplate([new(CKA.LABEL, "doomed"u8.ToArray())]); });
        Assert.Empty(new WireReader(other.CallOk(Opcode.FindObjects, w => { w.WriteULong(s); w.WriteULong(10); }).Payload).ReadULongs());
        var info = other.CallOk(Opcode.GetSessionInfo, w => w.WriteULong(s));
        var r = new WireReader(info.Payload);
        r.ReadULong();
        Assert.Equal(CKS.RW_PUBLIC_SESSION, r.ReadULong());
    }

    [Fact]
    public async Task Session_must_serialize_pipelined_multipart_operations_and_keep_sessions_apart()
    {
        var applications = await Runtime.StartAsync(Sys, TestConfig.For(_dir, slots: 2));
        var client = await ClientHarness.ConnectAsync(applications, pid: 10);
        client.InitToken(0, "so-pin-0", "digest");
        var a = client.OpenSession(0);
        var b = client.OpenSession(0);
        var sha256 = new WireMechanism(CKM.SHA256, null);
        client.CallOk(Opcode.DigestInit, w => { w.WriteULong(a); w.WriteMechanism(sha256); });
        client.CallOk(Opcode.DigestInit, w => { w.WriteULong(b); w.WriteMechanism(sha256); });

        // Pipeline 200 updates on two sessions without waiting: each session must apply its own in order.
        var expectedA = new List<byte>();
        var expectedB = new List<byte>();
        var ids = new List<uint>();
        for (var i = 0; i < 200; i++)
        {
            var chunkA = new byte[] { (byte)i, (byte)(i >> 8), 0xA };
            var chunkB = new byte[] { (byte)(255 - i), 0xB };
            expectedA.AddRange(chunkA);
            expectedB.AddRange(chunkB);
            ids.Add(client.Tell(Opcode.DigestUpdate, w => { w.WriteULong(a); w.WriteBytes(chunkA); }));
            ids.Add(client.Tell(Opcode.DigestUpdate, w => { w.WriteULong(b); w.WriteBytes(chunkB); }));
        }

        var replies = Enumerable.Range(0, ids.Count).Select(_ => client.Next()).ToList();
        Assert.All(replies, reply => Assert.Equal(CKR.OK, reply.Rv));
        Assert.Equal(ids.OrderBy(x => x), replies.Select(x => x.RequestId).OrderBy(x => x));

        byte[] Final(ulong session)
        {
            var reply = client.CallOk(Opcode.DigestFinal, w => { w.WriteULong(session); w.WriteULong(64); });
            var r = new WireReader(reply.Payload);
            Assert.Equal(32UL, r.ReadULong());
            return r.ReadBytes();
        }

        Assert.Equal(System.Security.Cryptography.SHA256.HashData(expectedA.ToArray()), Final(a));
        Assert.Equal(System.Security.Cryptography.SHA256.HashData(expectedB.ToArray()), Final(b));
        Assert.Equal(CKR.OPERATION_NOT_INITIALIZED, client.Call(Opcode.DigestFinal, w => { w.WriteULong(a); w.WriteULong(64); }).Rv);
    }

    [Fact]
    public async Task A_second_connection_must_join_only_with_the_secret_and_from_the_same_process_and_the_application_ends_with_the_last()
    {
        var applications = await Runtime.StartAsync(Sys, TestConfig.For(_dir, slots: 2));
        var first = new ClientHarness();
        var peer = new OpenCryptokiActors.Actors.Protocol.PeerCredentials(77, 1000, 1000);
        var connected = await applications.Ask<ApplicationProtocol.Connected>(new ApplicationProtocol.Connect(peer), TimeSpan.FromSeconds(10));
        first.Attach(connected.Application, connected.AppId, peer);
        first.InitToken(0, "so-pin-0", "join");
        var session = first.OpenSession(0);
        Assert.Contains(session, connected.Sessions.Map.Keys);

        async Task<object> Join(byte[] secret, OpenCryptokiActors.Actors.Protocol.PeerCredentials who) =>
            await applications.Ask<object>(new ApplicationProtocol.Join(connected.AppId, secret, who), TimeSpan.FromSeconds(10));

        Assert.IsType<ApplicationProtocol.JoinRefused>(await Join(new byte[16], peer));
        Assert.IsType<ApplicationProtocol.JoinRefused>(await Join(connected.Secret, peer with { Pid = 78 }));
        Assert.IsType<ApplicationProtocol.JoinRefused>(await Join(connected.Secret, peer with { Uid = 0 }));
        var joined = Assert.IsType<ApplicationProtocol.Connected>(await Join(connected.Secret, peer));
        Assert.Equal(connected.Application, joined.Application);

        // The session opened on the first connection is usable from the second; closing it empties the map.
        var second = new ClientHarness();
        second.Attach(joined.Application, joined.AppId, peer);
        second.CallOk(Opcode.GetSessionInfo, w => w.WriteULong(session));
        second.CallOk(Opcode.CloseSession, w => w.WriteULong(session));
        Assert.Empty(connected.Sessions.Map);

        // One connection closes: the application stays; the last one closes: it ends, and joining is refused.
        Watch(connected.Application);
        first.Disconnect();
        second.CallOk(Opcode.GetSlotList, w => w.WriteBool(true));
        second.Disconnect();
        ExpectTerminated(connected.Application);
        Assert.IsType<ApplicationProtocol.JoinRefused>(await Join(connected.Secret, peer));
    }
}
