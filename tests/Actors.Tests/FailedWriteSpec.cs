using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Configuration;
using Akka.Event;
using Akka.Persistence;
using Akka.Persistence.TestKit;
using OpenCryptokiActors.Actors.Persistence;
using OpenCryptokiActors.Actors.Tokens;
using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Cryptoki.Wire;
using OpenCryptokiActors.Tokens.State;
using static OpenCryptokiActors.Actors.Tests.TokenStoreSpec;

namespace OpenCryptokiActors.Actors.Tests;

/// <summary>
/// A journal write that fails (the database is gone) or is rejected: the caller gets CKR_DEVICE_ERROR, the token's
/// state is as it was (the object is not there, the counts are unchanged, the audit chain stays whole), and the token
/// works again by itself once the store is back. Injected with Akka.Persistence.TestKit, and for real with a
/// PostgreSQL server of the test's own that is killed and started again under the running token.
/// </summary>
public sealed class FailedWriteSpec
{
    private const string TestJournalConfig = """
        akka.persistence {
          journal {
            plugin = "akka.persistence.journal.test"
            auto-start-journals = ["akka.persistence.journal.test"]
            test { class = "Akka.Persistence.TestKit.TestJournal, Akka.Persistence.TestKit", plugin-dispatcher = "akka.actor.default-dispatcher" }
          }
          snapshot-store {
            plugin = "akka.persistence.snapshot-store.test"
            auto-start-snapshot-stores = ["akka.persistence.snapshot-store.test"]
            test { class = "Akka.Persistence.TestKit.TestSnapshotStore, Akka.Persistence.TestKit", plugin-dispatcher = "akka.actor.default-dispatcher" }
          }
        }
        """;

    private static async Task<TokenProtocol.StoreStats> Stats(IActorRef token) =>
        await token.Ask<TokenProtocol.StoreStats>(TokenProtocol.GetStoreStats.Instance, TimeSpan.FromSeconds(10));

    /// <summary>Opens a session once the token answers again (it was stopped and is being started by its slot); the token's current reference.</summary>
    private static async Task<ulong> OpenSessionWhenBack(ClientHarness c, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            var reply = c.Call(Opcode.OpenSession, w => { w.WriteULong(0); w.WriteULong(CKF.SERIAL_SESSION | CKF.RW_SESSION); });
            if (reply.Rv == CKR.OK) return reply.ULong();
            Assert.True(reply.Rv is CKR.DEVICE_REMOVED or CKR.DEVICE_ERROR, $"C_OpenSession while the token restarts: {CkRvNames.Name(reply.Rv)}");
            Assert.True(DateTime.UtcNow < deadline, "the token did not come back");
            await Task.Delay(200);
        }
    }

    private static async Task<IActorRef> CurrentToken(ActorSystem system) =>
        await system.ActorSelection("/user/slot-manager/slot-0/token").ResolveOne(TimeSpan.FromSeconds(10));

    /// <summary>The token's journal as the test journal holds it: every row an audited event chained to the one before.</summary>
    private static async Task<List<AuditedEvent>> Journal(ActorSystem system)
    {
        var inbox = Inbox.Create(system);
        Akka.Persistence.Persistence.Instance.Apply(system).JournalFor(null).Tell(new ReplayMessages(1, long.MaxValue, long.MaxValue, "token-tok0", inbox.Receiver), inbox.Receiver);
        var rows = new List<AuditedEvent>();
        while (true)
        {
            switch (await inbox.ReceiveAsync(TimeSpan.FromSeconds(10)))
            {
                case ReplayedMessage m: rows.Add(Assert.IsType<AuditedEvent>(m.Persistent.Payload)); break;
                case RecoverySuccess: return rows;
                case ReplayMessagesFailure f: throw f.Cause;
            }
        }
    }

    private static void AssertChained(IReadOnlyList<AuditedEvent> rows)
    {
        for (var i = 1; i < rows.Count; i++) Assert.Equal(rows[i - 1].Record.Hash, rows[i].Record.PreviousHash);
    }

    [Fact]
    public async Task A_failed_journal_write_answers_DEVICE_ERROR_leaves_the_state_as_it_was_and_the_token_comes_back()
    {
        using var store = StoreBackends.Create("sqlite");
        var system = ActorSystem.Create("failed-write", ConfigurationFactory.ParseString(TestJournalConfig).WithFallback(store.Config));
        try
        {
            var (apps, token) = await store.StartAsync(system);
            await token.Ask<TokenProtocol.Ready>(TokenProtocol.AwaitReady.Instance, TimeSpan.FromSeconds(60));
            var journal = TestJournal.FromRef(Akka.Persistence.Persistence.Instance.Apply(system).JournalFor(null));
            var c = await ClientHarness.ConnectAsync(apps);
            c.InitToken(0, "so-secret", "failing");
            var s = c.OpenSession(0);
            var kept = Create(c, s, "kept");
            var before = await Stats(token);

            await journal.OnWrite.Fail();
            Assert.Equal(CKR.DEVICE_ERROR, c.Call(Opcode.CreateObject, w => { w.WriteULong(s); w.WriteTemplate(DataObject("lost")); }).Rv);

            // the store is back: the slot starts the token again, which recovers from the journal by itself
            await journal.OnWrite.Pass();
            var s2 = await OpenSessionWhenBack(c, TimeSpan.FromSeconds(30));
            var after = await Stats(await CurrentToken(system));
            Assert.Equal(before.Objects, after.Objects);
            Assert.Equal(before.LastSequenceNr, after.LastSequenceNr);
            Assert.Empty(FindLabel(c, s2, "lost"));
            Assert.Equal([kept], FindLabel(c, s2, "kept"));
            Assert.Equal(kept + 1, Create(c, s2, "after"));
            var rows = await Journal(system);
            Assert.DoesNotContain(rows, r => r.Event is ObjectCreated { Attributes: var a } && a.Get(CKA.LABEL) is { } l && l.AsSpan().SequenceEqual("lost"u8));
            AssertChained(rows);
        }
        finally
        {
            await system.Terminate();
        }
    }

    [Fact]
    public async Task A_rejected_journal_write_answers_DEVICE_ERROR_and_the_running_token_keeps_its_state_and_its_chain()
    {
        using var store = StoreBackends.Create("sqlite");
        var system = ActorSystem.Create("rejected-write", ConfigurationFactory.ParseString(TestJournalConfig).WithFallback(store.Config));
        try
        {
            var (apps, token) = await store.StartAsync(system);
            await token.Ask<TokenProtocol.Ready>(TokenProtocol.AwaitReady.Instance, TimeSpan.FromSeconds(60));
            var journal = TestJournal.FromRef(Akka.Persistence.Persistence.Instance.Apply(system).JournalFor(null));
            var c = await ClientHarness.ConnectAsync(apps);
            c.InitToken(0, "so-secret", "rejecting");
            var s = c.OpenSession(0);
            c.Login(s, CKU.SO, "so-secret");
            c.CallOk(Opcode.InitPIN, w => { w.WriteULong(s); w.WriteBytes("user-pin"u8); });
            c.CallOk(Opcode.Logout, w => w.WriteULong(s));
            var kept = Create(c, s, "kept");
            var before = await Stats(token);

            await journal.OnWrite.Reject();
            Assert.Equal(CKR.DEVICE_ERROR, c.Call(Opcode.CreateObject, w => { w.WriteULong(s); w.WriteTemplate(DataObject("rejected")); }).Rv);
            Assert.Equal(CKR.DEVICE_ERROR, c.Call(Opcode.DestroyObject, w => { w.WriteULong(s); w.WriteULong(kept); }).Rv);
            Assert.Equal(CKR.DEVICE_ERROR, c.Call(Opcode.Login, w => { w.WriteULong(s); w.WriteULong(CKU.USER); w.WriteBytes("user-pin"u8); }).Rv);
            // not logged in: the login the journal did not take did not happen
            var info = new WireReader(c.CallOk(Opcode.GetSessionInfo, w => w.WriteULong(s)).Payload);
            info.ReadULong();
            Assert.Equal(CKS.RW_PUBLIC_SESSION, info.ReadULong());

            // same token, same session: nothing of the rejected writes is there, and it goes on when the journal takes writes again
            await journal.OnWrite.Pass();
            Assert.Equal(before.Objects, (await Stats(token)).Objects);
            Assert.Empty(FindLabel(c, s, "rejected"));
            Assert.Equal([kept], FindLabel(c, s, "kept"));
            Assert.Equal(kept + 1, Create(c, s, "after"));
            c.Login(s, CKU.USER, "user-pin");
            var rows = await Journal(system);
            AssertChained(rows);
            Assert.Equal(before.LastSequenceNr + 2, rows.Count);
        }
        finally
        {
            await system.Terminate();
        }
    }

    /// <summary>The token's journal as rows of the journal table (what `ock audit verify` reads): sequence number, manifest, bytes.</summary>
    private static async Task<List<OpenCryptokiActors.Cryptoki.Audit.JournalRow>> JournalRows(ActorSystem system)
    {
        var inbox = Inbox.Create(system);
        Akka.Persistence.Persistence.Instance.Apply(system).JournalFor(null).Tell(new ReplayMessages(1, long.MaxValue, long.MaxValue, "token-tok0", inbox.Receiver), inbox.Receiver);
        var rows = new List<OpenCryptokiActors.Cryptoki.Audit.JournalRow>();
        while (true)
        {
            switch (await inbox.ReceiveAsync(TimeSpan.FromSeconds(10)))
            {
                case ReplayedMessage m:
                    var audited = Assert.IsType<AuditedEvent>(m.Persistent.Payload);
                    rows.Add(new("token-tok0", m.Persistent.SequenceNr, OpenCryptokiActors.Cryptoki.Audit.AuditRecord.Manifest, audited.Record.ToBinary()));
                    break;
                case RecoverySuccess: return rows;
                case ReplayMessagesFailure f: throw f.Cause;
            }
        }
    }

    [Fact]
    public async Task Rejected_writes_leave_a_gap_in_the_sequence_numbers_that_audit_verify_accepts_while_a_removed_or_reordered_row_is_still_caught()
    {
        using var store = StoreBackends.Create("sqlite");
        var system = ActorSystem.Create("rejected-audit", ConfigurationFactory.ParseString(TestJournalConfig).WithFallback(store.Config));
        try
        {
            var (apps, token) = await store.StartAsync(system);
            await token.Ask<TokenProtocol.Ready>(TokenProtocol.AwaitReady.Instance, TimeSpan.FromSeconds(60));
            var journal = TestJournal.FromRef(Akka.Persistence.Persistence.Instance.Apply(system).JournalFor(null));
            var c = await ClientHarness.ConnectAsync(apps);
            c.InitToken(0, "so-secret", "gaps");
            var s = c.OpenSession(0);
            Create(c, s, "kept");

            await journal.OnWrite.Reject();
            Assert.Equal(CKR.DEVICE_ERROR, c.Call(Opcode.CreateObject, w => { w.WriteULong(s); w.WriteTemplate(DataObject("rejected-1")); }).Rv);
            Assert.Equal(CKR.DEVICE_ERROR, c.Call(Opcode.CreateObject, w => { w.WriteULong(s); w.WriteTemplate(DataObject("rejected-2")); }).Rv);
            await journal.OnWrite.Pass();
            Create(c, s, "after-1");
            Create(c, s, "after-2");

            // the rejected writes used sequence numbers 3 and 4: the journal has 1, 2, 5, 6, and the chain goes from 2 to 5
            var rows = await JournalRows(system);
            Assert.Equal([1L, 2L, 5L, 6L], rows.Select(r => r.SequenceNr));
            var anchorDir = Path.Combine(store.Config.GetString("opencryptoki.data-dir"), OpenCryptokiActors.Cryptoki.Audit.AuditAnchor.DirectoryName);
            var deadline = DateTime.UtcNow.AddSeconds(10);
            Dictionary<string, (long SequenceNr, byte[] Hash)> anchors;
            while ((anchors = OpenCryptokiActors.Cryptoki.Audit.AuditAnchor.ReadAll(anchorDir)).GetValueOrDefault("token-tok0").SequenceNr < 6)
            {
                Assert.True(DateTime.UtcNow < deadline, "the token did not anchor its newest event");
                await Task.Delay(50);
            }

            Assert.Equal(6, anchors["token-tok0"].SequenceNr);
            Assert.Empty(OpenCryptokiActors.Cryptoki.Audit.AuditJournal.Verify(rows, null, anchors));

            // a removed row is still caught: the one before the gap, the one after it, one at the start
            foreach (var removed in new[] { 2L, 5L, 1L })
            {
                var problems = OpenCryptokiActors.Cryptoki.Audit.AuditJournal.Verify(rows.Where(r => r.SequenceNr != removed), null, anchors);
                Assert.Contains(problems, p => p.Problem.Contains("chain broken"));
                Assert.Contains(problems, p => p.Problem.Contains("missing"));
            }

            // reordered: the rows on both sides of the gap exchange their sequence numbers
            var swapped = rows.Select(r => r.SequenceNr switch { 2 => r with { SequenceNr = 5 }, 5 => r with { SequenceNr = 2 }, _ => r }).ToList();
            Assert.Contains(OpenCryptokiActors.Cryptoki.Audit.AuditJournal.Verify(swapped, null, anchors), p => p.Problem.Contains("chain broken"));
            // the newest row removed: the chain that is left is whole, the anchor shows it
            Assert.Contains(OpenCryptokiActors.Cryptoki.Audit.AuditJournal.Verify(rows.Where(r => r.SequenceNr != 6), null, anchors),
                p => p.Problem.Contains("truncated"));
        }
        finally
        {
            await system.Terminate();
        }
    }

    [Fact]
    public async Task A_killed_PostgreSQL_gives_DEVICE_ERROR_and_the_token_recovers_by_itself_when_the_server_is_back()
    {
        Assert.True(PrivatePostgres.Available, "PostgreSQL 15 server binaries (Debian package postgresql-15) are needed");
        using var pg = PrivatePostgres.Start();
        using var store = StoreUnderTest.PostgresAt(pg.AdminConnectionString);
        var errors = new ConcurrentQueue<string>();
        var system = ActorSystem.Create("killed-postgres", store.Config);
        try
        {
            var collector = system.ActorOf(Props.Create(() => new ErrorCollector(errors)));
            system.EventStream.Subscribe(collector, typeof(Error));
            var (apps, token) = await store.StartAsync(system);
            await token.Ask<TokenProtocol.Ready>(TokenProtocol.AwaitReady.Instance, TimeSpan.FromSeconds(60));
            var c = await ClientHarness.ConnectAsync(apps);
            c.InitToken(0, "so-secret", "pg-down");
            var s = c.OpenSession(0);
            var kept = Enumerable.Range(0, 5).Select(i => Create(c, s, $"kept-{i}")).ToArray();
            var before = await Stats(token);

            pg.Kill();
            var rv = c.Call(Opcode.CreateObject, w => { w.WriteULong(s); w.WriteTemplate(DataObject("lost")); }).Rv;
            Assert.True(rv == CKR.DEVICE_ERROR, $"C_CreateObject with the database down: {CkRvNames.Name(rv)}");
            // while the server is down the token cannot recover: the client is told so, never a success
            var down = c.Call(Opcode.OpenSession, w => { w.WriteULong(0); w.WriteULong(CKF.SERIAL_SESSION | CKF.RW_SESSION); }).Rv;
            Assert.True(down is CKR.DEVICE_REMOVED or CKR.DEVICE_ERROR, $"C_OpenSession with the database down: {CkRvNames.Name(down)}");

            pg.Resume();
            var s2 = await OpenSessionWhenBack(c, TimeSpan.FromSeconds(90));
            var after = await Stats(await CurrentToken(system));
            Assert.Equal(before.Objects, after.Objects);
            Assert.Empty(FindLabel(c, s2, "lost"));
            for (var i = 0; i < kept.Length; i++) Assert.Equal([kept[i]], FindLabel(c, s2, $"kept-{i}"));
            Assert.Equal(kept.Max() + 1, Create(c, s2, "after"));
            Assert.Equal(before.Objects + 1, (await Stats(await CurrentToken(system))).Objects);
        }
        finally
        {
            await system.Terminate();
        }

        Assert.Contains(errors, m => m.Contains("journal write failed"));
        using var db = store.Open();
        Assert.Empty(OpenCryptokiActors.Cryptoki.Audit.AuditJournal.Verify(OpenCryptokiActors.Cryptoki.Audit.AuditJournal.ReadRows(db),
            OpenCryptokiActors.Cryptoki.Audit.AuditJournal.ReadSnapshotHeads(db)));
    }

    /// <summary>
    /// A restore is one journal write of the whole token. When that write fails (a million objects ran into the journal's 10 s
    /// circuit breaker) the token stops as after any failed write, and `ock token restore` waited for the admin timeout; now the
    /// restore is answered with the failure, and the token, back uninitialised, takes the same backup once the store works.
    /// </summary>
    [Fact]
    public async Task A_restore_whose_journal_write_fails_is_answered_with_the_failure_and_the_token_takes_it_again_later()
    {
        using var store = StoreBackends.Create("sqlite");
        var system = ActorSystem.Create("failed-restore", ConfigurationFactory.ParseString(TestJournalConfig).WithFallback(store.Config));
        try
        {
            var (apps, token) = await store.StartAsync(system);
            await token.Ask<TokenProtocol.Ready>(TokenProtocol.AwaitReady.Instance, TimeSpan.FromSeconds(60));
            var journal = TestJournal.FromRef(Akka.Persistence.Persistence.Instance.Apply(system).JournalFor(null));
            var backup = TokenEventSerializer.EncodeBackup(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32),
                LargeTokenSnapshotSpec.BigToken(50));
            var restore = new TokenProtocol.ImportState(TokenEventSerializer.BackupManifest, backup, 1, 0);

            await journal.OnWrite.Fail();
            var failed = await token.Ask<TokenProtocol.ImportedState>(restore, TimeSpan.FromSeconds(10));
            Assert.False(failed.Ok);
            Assert.Contains("journal write of the restored token failed", failed.Message);

            // the slot starts the token again (uninitialised: C_OpenSession would answer CKR_TOKEN_NOT_RECOGNIZED), it recovers
            await journal.OnWrite.Pass();
            var deadline = DateTime.UtcNow.AddSeconds(30);
            IActorRef back;
            while (true)
            {
                try
                {
                    back = await CurrentToken(system);
                    await back.Ask<TokenProtocol.Ready>(TokenProtocol.AwaitReady.Instance, TimeSpan.FromSeconds(5));
                    break;
                }
                catch (Exception e) when (e is ActorNotFoundException or AskTimeoutException && DateTime.UtcNow < deadline)
                {
                    await Task.Delay(200);
                }
            }

            Assert.Equal(0, (await Stats(back)).Objects);
            var done = await back.Ask<TokenProtocol.ImportedState>(restore, TimeSpan.FromSeconds(30));
            Assert.True(done.Ok, done.Message);
            Assert.Equal(50, (await Stats(back)).Objects);
            var c = await ClientHarness.ConnectAsync(apps);
            var s = c.OpenSession(0);
            Assert.Equal([50UL], FindLabel(c, s, "big-49"));
        }
        finally
        {
            await system.Terminate();
        }
    }
}
