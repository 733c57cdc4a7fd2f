using System.Collections.Concurrent;
using System.Text;
using Akka.Actor;
using Akka.Event;
using OpenCryptokiActors.Actors.Persistence;
using OpenCryptokiActors.Actors.Tokens;
using OpenCryptokiActors.Cryptoki.Audit;
using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Cryptoki.Wire;
using OpenCryptokiActors.Tokens.Objects;

namespace OpenCryptokiActors.Actors.Tests;

/// <summary>The token store on SQLite and PostgreSQL: recovery, snapshot recovery, group commit, audit chain.</summary>
public sealed class TokenStoreSpec
{
    internal static WireAttribute[] DataObject(string label, bool token = true) =>
    [
        new(CKA.CLASS, Attr.ULong(CKO.DATA)),
        new(CKA.TOKEN, Attr.Bool(token)),
        new(CKA.PRIVATE, Attr.Bool(false)),
        new(CKA.LABEL, Encoding.UTF8.GetBytes(label)),
        new(CKA.VALUE, Encoding.UTF8.GetBytes("value of " + label)),
    ];

    internal static ulong Create(ClientHarness c, ulong session, string label, bool token = true) =>
        c.CallOk(Opcode.CreateObject, w => { w.WriteULong(session); w.WriteTemplate(DataObject(label, token)); }).ULong();

    internal static ulong[] Find(ClientHarness c, ulong session, params WireAttribute[] template)
    {
        c.CallOk(Opcode.FindObjectsInit, w => { w.WriteULong(session); w.WriteTemplate(template); });
        var found = new WireReader(c.CallOk(Opcode.FindObjects, w => { w.WriteULong(session); w.WriteULong(1_000_000); }).Payload).ReadULongs();
        c.CallOk(Opcode.FindObjectsFinal, w => w.WriteULong(session));
        return found;
    }

    internal static ulong[] FindLabel(ClientHarness c, ulong session, string label) =>
        Find(c, session, new WireAttribute(CKA.LABEL, Encoding.UTF8.GetBytes(label)));

    private static Task<T> WithDaemon<T>(StoreUnderTest store, string name, Func<IActorRef, IActorRef, Task<T>> body) =>
        store.WithDaemonAsync(name, body);

    [Theory]
    [MemberData(nameof(StoreBackends.All), MemberType = typeof(StoreBackends))]
    public async Task Token_recovers_created_changed_and_destroyed_objects_and_failure_counts(string backend)
    {
        using var store = StoreBackends.Create(backend);
        var (kept, changed) = await WithDaemon(store, "first", async (apps, _) =>
        {
            var c = await ClientHarness.ConnectAsync(apps);
            c.InitToken(0, "so-secret", "store");
            var s = c.OpenSession(0);
            var kept = Create(c, s, "kept");
            var changed = Create(c, s, "to-change");
            var gone = Create(c, s, "to-destroy");
            Create(c, s, "session-only", token: false);
            c.CallOk(Opcode.SetAttributeValue, w => { w.WriteULong(s); w.WriteULong(changed); w.WriteTemplate([new WireAttribute(CKA.LABEL, "changed"u8.ToArray())]); });
            c.CallOk(Opcode.DestroyObject, w => { w.WriteULong(s); w.WriteULong(gone); });
            Assert.Equal(CKR.PIN_INCORRECT, c.Call(Opcode.Login, w => { w.WriteULong(s); w.WriteULong(CKU.SO); w.WriteBytes("wrong-pin"u8); }).Rv);
            return (kept, changed);
        });

        await WithDaemon(store, "second", async (apps, _) =>
        {
            var c = await ClientHarness.ConnectAsync(apps);
            Assert.True((c.TokenCounts(0).Flags & CKF.SO_PIN_COUNT_LOW) != 0);
            var s = c.OpenSession(0);
            Assert.Equal([kept], FindLabel(c, s, "kept"));
            Assert.Equal([changed], FindLabel(c, s, "changed"));
            Assert.Empty(FindLabel(c, s, "to-change"));
            Assert.Empty(FindLabel(c, s, "to-destroy"));
            Assert.Empty(FindLabel(c, s, "session-only"));
            Assert.Equal([kept, changed], Find(c, s, new WireAttribute(CKA.CLASS, Attr.ULong(CKO.DATA))));
            return 0;
        });

        using var db = store.Open();
        Assert.Empty(AuditJournal.Verify(AuditJournal.ReadRows(db), AuditJournal.ReadSnapshotHeads(db)));
    }

    [Theory]
    [MemberData(nameof(StoreBackends.All), MemberType = typeof(StoreBackends))]
    public async Task Token_recovers_from_a_snapshot_plus_the_events_after_it(string backend)
    {
        using var store = StoreBackends.Create(backend, snapshotEvery: 10);
        var handles = await WithDaemon(store, "first", async (apps, _) =>
        {
            var c = await ClientHarness.ConnectAsync(apps);
            c.InitToken(0, "so-secret", "snap");
            var s = c.OpenSession(0);
            var list = Enumerable.Range(0, 20).Select(i => Create(c, s, $"obj-{i}")).ToList();
            // a snapshot at 20 or 21 (one is due every 10 events, one at a time: the one due while another is written follows it)
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (store.SnapshotScalar("SELECT COUNT(*) FROM snapshot WHERE sequence_number >= 20") == 0 && DateTime.UtcNow < deadline) await Task.Delay(50);
            // the tail after it
            list.AddRange(Enumerable.Range(20, 5).Select(i => Create(c, s, $"obj-{i}")));
            return list;
        });

        var snapshotAt = store.SnapshotScalar("SELECT MAX(sequence_number) FROM snapshot");
        Assert.InRange(snapshotAt, 20, 21);
        // Only the snapshot can bring back what these rows held: recovery must start from it and replay the tail.
        store.Execute($"DELETE FROM journal WHERE sequence_number <= {snapshotAt}");
        Assert.Equal(26 - snapshotAt, store.Scalar("SELECT COUNT(*) FROM journal"));

        await WithDaemon(store, "second", async (apps, token) =>
        {
            var stats = await token.Ask<TokenProtocol.StoreStats>(TokenProtocol.GetStoreStats.Instance, TimeSpan.FromSeconds(10));
            Assert.Equal(25, stats.Objects);
            Assert.Equal(26, stats.LastSequenceNr);
            var c = await ClientHarness.ConnectAsync(apps);
            var s = c.OpenSession(0);
            for (var i = 0; i < 25; i++) Assert.Equal([handles[i]], FindLabel(c, s, $"obj-{i}"));
            Assert.Equal(handles.Max() + 1, Create(c, s, "after-recovery"));
            return 0;
        });
    }

    [Theory]
    [MemberData(nameof(StoreBackends.All), MemberType = typeof(StoreBackends))]
    public async Task Concurrent_creates_from_many_sessions_are_group_committed_and_all_survive(string backend)
    {
        const int apps = 8, perApp = 25;
        using var store = StoreBackends.Create(backend);
        var created = await WithDaemon(store, "first", async (applications, token) =>
        {
            var admin = await ClientHarness.ConnectAsync(applications, pid: 1);
            admin.InitToken(0, "so-secret", "burst");
            var clients = new List<(ClientHarness C, ulong S)>();
            for (var a = 0; a < apps; a++)
            {
                var c = await ClientHarness.ConnectAsync(applications, pid: 100 + a);
                clients.Add((c, c.OpenSession(0)));
            }

            var before = await token.Ask<TokenProtocol.StoreStats>(TokenProtocol.GetStoreStats.Instance, TimeSpan.FromSeconds(10));
            var ids = new List<Dictionary<uint, string>>();
            foreach (var (c, s) in clients)
            {
                var sent = new Dictionary<uint, string>();
                for (var i = 0; i < perApp; i++)
                {
                    var label = $"burst-{c.GetHashCode()}-{i}";
                    sent[c.Tell(Opcode.CreateObject, w => { w.WriteULong(s); w.WriteTemplate(DataObject(label)); })] = label;
                }

                ids.Add(sent);
            }

            var result = new Dictionary<string, ulong>();
            for (var a = 0; a < apps; a++)
                for (var i = 0; i < perApp; i++)
                {
                    var reply = clients[a].C.Next();
                    Assert.Equal(CKR.OK, reply.Rv);
                    result[ids[a][reply.RequestId]] = reply.ULong();
                }

            var after = await token.Ask<TokenProtocol.StoreStats>(TokenProtocol.GetStoreStats.Instance, TimeSpan.FromSeconds(10));
            var events = after.Events - before.Events;
            var batches = after.Batches - before.Batches;
            Assert.Equal(apps * perApp, events);
            Assert.True(batches < events / 4, $"{events} creates took {batches} journal writes: no group commit");
            return result;
        });

        Assert.Equal(apps * perApp, created.Values.Distinct().Count());
        await WithDaemon(store, "second", async (applications, _) =>
        {
            var c = await ClientHarness.ConnectAsync(applications);
            var s = c.OpenSession(0);
            foreach (var (label, handle) in created) Assert.Equal([handle], FindLabel(c, s, label));
            // Data objects: CKA_TOKEN alone also finds the token's profile objects.
            Assert.Equal(apps * perApp, Find(c, s, new WireAttribute(CKA.TOKEN, Attr.Bool(true)), new WireAttribute(CKA.CLASS, Attr.ULong(CKO.DATA))).Length);
            return 0;
        });

        using var db = store.Open();
        var rows = AuditJournal.ReadRows(db);
        Assert.Empty(AuditJournal.Verify(rows));
        var creates = rows.Select(AuditJournal.Describe).Where(e => e.Action == "ObjectCreated").ToList();
        Assert.Equal(apps * perApp, creates.Count);
        Assert.All(creates, e => Assert.InRange(e.Pid!.Value, 100, 100 + apps - 1));
        Assert.All(creates, e => Assert.Equal(1UL, e.Session));
    }

    [Theory]
    [MemberData(nameof(StoreBackends.All), MemberType = typeof(StoreBackends))]
    public async Task Audit_verify_catches_a_changed_a_reordered_and_a_removed_row(string backend)
    {
        using var store = StoreBackends.Create(backend);
        await WithDaemon(store, "first", async (apps, _) =>
        {
            var c = await ClientHarness.ConnectAsync(apps, pid: 777);
            c.InitToken(0, "so-secret", "audit");
            var s = c.OpenSession(0);
            Assert.Equal(CKR.PIN_INCORRECT, c.Call(Opcode.Login, w => { w.WriteULong(s); w.WriteULong(CKU.SO); w.WriteBytes("wrong-pin"u8); }).Rv);
            c.Login(s, CKU.SO, "so-secret");
            var h = Create(c, s, "a");
            Create(c, s, "b");
            c.CallOk(Opcode.SetAttributeValue, w => { w.WriteULong(s); w.WriteULong(h); w.WriteTemplate([new WireAttribute(CKA.LABEL, "a2"u8.ToArray())]); });
            c.CallOk(Opcode.DestroyObject, w => { w.WriteULong(s); w.WriteULong(h); });
            return 0;
        });

        List<AuditProblem> Verify()
        {
            using var db = store.Open();
            return AuditJournal.Verify(AuditJournal.ReadRows(db), AuditJournal.ReadSnapshotHeads(db));
        }

        using (var db = store.Open())
        {
            var entries = AuditJournal.ReadRows(db).Select(AuditJournal.Describe).ToList();
            Assert.Equal(["TokenInitialized", "LoginFailed", "LoginSucceeded", "ObjectCreated", "ObjectCreated", "ObjectChanged", "ObjectDestroyed"],
                entries.Select(e => e.Action));
            Assert.All(entries, e => Assert.Equal(777, e.Pid));
            Assert.All(entries, e => Assert.Equal(0, e.Uid));
            Assert.Equal(CKU.SO, entries[1].UserType);
            Assert.Equal(entries[3].ObjectId, entries[6].ObjectId);
            Assert.All(entries.Skip(1), e => Assert.Equal(1UL, e.Session));
        }

        Assert.Empty(Verify());

        // 1. a changed row: one byte of row 4's payload (the label) flipped
        byte[] original;
        using (var db = store.Open()) original = AuditJournal.ReadRows(db).Single(r => r.SequenceNr == 4).Message;
        var tampered = (byte[])original.Clone();
        tampered[tampered.Length / 2] ^= 0x01;
        store.Execute("UPDATE journal SET message = @m WHERE sequence_number = 4", ("@m", tampered));
        var problems = Verify();
        Assert.Contains(problems, p => p.SequenceNr == 4 && p.Problem.Contains("changed"));
        store.Execute("UPDATE journal SET message = @m WHERE sequence_number = 4", ("@m", original));
        Assert.Empty(Verify());

        // 2. two rows swapped (sequence numbers exchanged)
        store.Execute("UPDATE journal SET sequence_number = -5 WHERE sequence_number = 5");
        store.Execute("UPDATE journal SET sequence_number = 5 WHERE sequence_number = 4");
        store.Execute("UPDATE journal SET sequence_number = 4 WHERE sequence_number = -5");
        problems = Verify();
        Assert.Contains(problems, p => p.Problem.Contains("chain broken"));
        store.Execute("UPDATE journal SET sequence_number = -5 WHERE sequence_number = 5");
        store.Execute("UPDATE journal SET sequence_number = 5 WHERE sequence_number = 4");
        store.Execute("UPDATE journal SET sequence_number = 4 WHERE sequence_number = -5");
        Assert.Empty(Verify());

        // 3. a removed row
        store.Execute("DELETE FROM journal WHERE sequence_number = 3");
        problems = Verify();
        Assert.Contains(problems, p => p.SequenceNr == 4 && p.Problem.Contains("missing"));
        Assert.Contains(problems, p => p.SequenceNr == 4 && p.Problem.Contains("chain broken"));
    }

    [Theory]
    [MemberData(nameof(StoreBackends.All), MemberType = typeof(StoreBackends))]
    public async Task Audit_verify_with_the_daemons_anchor_catches_rows_removed_at_the_end(string backend)
    {
        using var store = StoreBackends.Create(backend);
        await WithDaemon(store, "first", async (apps, _) =>
        {
            var c = await ClientHarness.ConnectAsync(apps);
            c.InitToken(0, "so-secret", "anchor");
            var s = c.OpenSession(0);
            for (var i = 0; i < 3; i++) Create(c, s, $"obj-{i}");
            return 0;
        });

        var anchors = AuditAnchor.ReadAll(Path.Combine(store.Config.GetString("opencryptoki.data-dir"), AuditAnchor.DirectoryName));
        Assert.Equal(4, anchors["token-tok0"].SequenceNr);

        List<AuditProblem> Verify(IReadOnlyDictionary<string, (long, byte[])>? with)
        {
            using var db = store.Open();
            return AuditJournal.Verify(AuditJournal.ReadRows(db), AuditJournal.ReadSnapshotHeads(db), with);
        }

        Assert.Empty(Verify(anchors));
        // the newest two rows go: the chain that is left is whole, only the anchor shows what is missing
        store.Execute("DELETE FROM journal WHERE sequence_number >= 3");
        Assert.Empty(Verify(null));
        Assert.Contains(Verify(anchors), p => p.SequenceNr == 4 && p.Problem.Contains("truncated") && p.Problem.Contains("ends at 2"));
    }

    internal sealed class ErrorCollector : ReceiveActor
    {
        public ErrorCollector(ConcurrentQueue<string> into) => Receive<Error>(e => into.Enqueue(e.Message?.ToString() ?? ""));
    }

    [Theory]
    [MemberData(nameof(StoreBackends.All), MemberType = typeof(StoreBackends))]
    public async Task A_damaged_row_is_reported_with_its_object_id_and_skipped_and_the_token_still_loads(string backend)
    {
        using var store = StoreBackends.Create(backend);
        var handles = await WithDaemon(store, "first", async (apps, _) =>
        {
            var c = await ClientHarness.ConnectAsync(apps);
            c.InitToken(0, "so-secret", "damage");
            var s = c.OpenSession(0);
            return new[] { Create(c, s, "one"), Create(c, s, "two"), Create(c, s, "three") };
        });

        // row 3 (object "two"): the event inside the audit record cut short, the record itself re-hashed (bad bytes);
        // row 4 (object "three"): a manifest this code does not know (bad version).
        byte[] original;
        using (var db = store.Open()) original = AuditJournal.ReadRows(db).Single(r => r.SequenceNr == 3).Message;
        var record = AuditRecord.Parse(original, out _);
        var broken = AuditRecord.Create(record.PreviousHash, record.At, record.Pid, record.Uid, record.Session, record.EventManifest, record.EventPayload[..12]);
        store.Execute("UPDATE journal SET message = @m WHERE sequence_number = 3", ("@m", broken.ToBinary()));
        store.Execute("UPDATE journal SET manifest = 'Audited.v99' WHERE sequence_number = 4");

        var errors = new ConcurrentQueue<string>();
        var system = ActorSystem.Create("second", store.Config);
        try
        {
            var collector = system.ActorOf(Props.Create(() => new ErrorCollector(errors)));
            system.EventStream.Subscribe(collector, typeof(Error));
            var (apps, token) = await store.StartAsync(system);
            await token.Ask<TokenProtocol.Ready>(TokenProtocol.AwaitReady.Instance, TimeSpan.FromSeconds(60));
            var c = await ClientHarness.ConnectAsync(apps);
            var s = c.OpenSession(0);
            Assert.Equal([handles[0]], FindLabel(c, s, "one"));
            Assert.Empty(FindLabel(c, s, "two"));
            Assert.Empty(FindLabel(c, s, "three"));
            Assert.Equal(handles[2] + 1, Create(c, s, "four"));
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (errors.Count(m => m.Contains("damaged")) < 2 && DateTime.UtcNow < deadline) await Task.Delay(20);
        }
        finally
        {
            await system.Terminate();
        }

        Assert.Contains(errors, m => m.Contains("damaged") && m.Contains($"object {handles[1]}"));
        Assert.Contains(errors, m => m.Contains("damaged") && m.Contains("Audited.v99"));
    }

    [Theory]
    [MemberData(nameof(StoreBackends.All), MemberType = typeof(StoreBackends))]
    public async Task A_row_with_bad_ciphertext_is_reported_with_its_object_id_and_no_secret_and_the_rest_of_the_token_works(string backend)
    {
        using var store = StoreBackends.Create(backend);
        WireAttribute[] Secret(string label, string value) =>
        [
            new(CKA.CLASS, Attr.ULong(CKO.SECRET_KEY)), new(CKA.KEY_TYPE, Attr.ULong(CKK.GENERIC_SECRET)), new(CKA.TOKEN, Attr.Bool(true)),
            new(CKA.PRIVATE, Attr.Bool(true)), new(CKA.SENSITIVE, Attr.Bool(false)), new(CKA.EXTRACTABLE, Attr.Bool(true)),
            new(CKA.LABEL, Encoding.UTF8.GetBytes(label)), new(CKA.VALUE, Encoding.UTF8.GetBytes(value)),
        ];
        ulong CreateSecret(ClientHarness c, ulong s, string label, string value) =>
            c.CallOk(Opcode.CreateObject, w => { w.WriteULong(s); w.WriteTemplate(Secret(label, value)); }).ULong();
        byte[]? Value(ClientHarness c, ulong s, ulong h, out ulong rv)
        {
            var reply = c.Call(Opcode.GetAttributeValue, w => { w.WriteULong(s); w.WriteULong(h); w.WriteUInt32(1); w.WriteULong(CKA.VALUE); w.WriteULong(64); });
            rv = reply.Rv;
            if (rv != CKR.OK) return null;
            var r = new WireReader(reply.Payload);
            r.ReadUInt32();
            r.ReadULong();
            return r.ReadNullableBytes();
        }

        var (good, bad) = await WithDaemon(store, "first", async (apps, _) =>
        {
            var c = await ClientHarness.ConnectAsync(apps);
            c.InitToken(0, "so-secret", "ciphertext");
            var s = c.OpenSession(0);
            c.Login(s, CKU.SO, "so-secret");
            c.CallOk(Opcode.InitPIN, w => { w.WriteULong(s); w.WriteBytes("user-pin"u8); });
            c.CallOk(Opcode.Logout, w => w.WriteULong(s));
            c.Login(s, CKU.USER, "user-pin");
            return (CreateSecret(c, s, "good", "good-secret-value"), CreateSecret(c, s, "bad", "bad-secret-value-0123"));
        });

        // the sealed CKA_VALUE of "bad" gets one bit flipped inside its row (the record re-hashed: the row itself decodes)
        byte[] original;
        long sequenceNr;
        using (var db = store.Open())
        {
            var row = AuditJournal.ReadRows(db).Single(r => AuditRecord.Parse(r.Message, out _) is var rec
                && TokenEventSerializer.Decode(rec.EventPayload, rec.EventManifest) is OpenCryptokiActors.Tokens.State.ObjectCreated { Id: var id } && id == bad);
            original = row.Message;
            sequenceNr = row.SequenceNr;
        }

        var record = AuditRecord.Parse(original, out _);
        var created = (OpenCryptokiActors.Tokens.State.ObjectCreated)TokenEventSerializer.Decode(record.EventPayload, record.EventManifest);
        var sealedValue = (byte[])created.Attributes[CKA.VALUE].Clone();
        Assert.DoesNotContain("bad-secret-value", Encoding.UTF8.GetString(sealedValue));
        sealedValue[^20] ^= 0x01;
        var attrs = created.Attributes.Clone();
        attrs.Set(CKA.VALUE, sealedValue);
        var damaged = AuditRecord.Create(record.PreviousHash, record.At, record.Pid, record.Uid, record.Session, record.EventManifest,
            TokenEventSerializer.Encode(created with { Attributes = attrs }));
        store.Execute($"UPDATE journal SET message = @m WHERE sequence_number = {sequenceNr}", ("@m", damaged.ToBinary()));

        var log = new ConcurrentQueue<string>();
        var system = ActorSystem.Create("second", store.Config);
        try
        {
            var collector = system.ActorOf(Props.Create(() => new ErrorCollector(log)));
            system.EventStream.Subscribe(collector, typeof(Error));
            var (apps, token) = await store.StartAsync(system);
            await token.Ask<TokenProtocol.Ready>(TokenProtocol.AwaitReady.Instance, TimeSpan.FromSeconds(60));
            var c = await ClientHarness.ConnectAsync(apps);
            var s = c.OpenSession(0);
            c.Login(s, CKU.USER, "user-pin");
            Assert.Equal("good-secret-value", Encoding.UTF8.GetString(Value(c, s, good, out var rv) ?? []));
            Assert.Equal(CKR.OK, rv);
            Assert.Null(Value(c, s, bad, out rv));
            Assert.Equal(CKR.DEVICE_ERROR, rv);
            Assert.Equal(CKR.DEVICE_ERROR, c.Call(Opcode.SignInit, w =>
            {
                w.WriteULong(s);
                w.WriteMechanism(new WireMechanism(CKM.SHA256_HMAC, null));
                w.WriteULong(bad);
            }).Rv);
            // the rest of the token works: another object is created and read back
            var more = CreateSecret(c, s, "more", "more-secret-value");
            Assert.Equal("more-secret-value", Encoding.UTF8.GetString(Value(c, s, more, out _) ?? []));
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (!log.Any(m => m.Contains("does not open")) && DateTime.UtcNow < deadline) await Task.Delay(20);
        }
        finally
        {
            await system.Terminate();
        }

        Assert.Contains(log, m => m.Contains("does not open") && m.Contains($"object {bad}"));
        Assert.DoesNotContain(log, m => m.Contains("secret-value") || m.Contains("user-pin"));
    }
}
