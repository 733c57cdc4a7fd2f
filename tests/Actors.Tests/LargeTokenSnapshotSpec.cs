using System.Diagnostics;
using System.Text;
using Akka.Actor;
using Akka.Configuration;
using OpenCryptokiActors.Actors.Persistence;
using OpenCryptokiActors.Actors.Tokens;
using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Cryptoki.Wire;
using OpenCryptokiActors.Tokens.Objects;
using OpenCryptokiActors.Tokens.State;

namespace OpenCryptokiActors.Actors.Tests;

/// <summary>
/// A token whose snapshot is large: it is snapshotted off the write path, recovers from that snapshot after a restart and
/// then takes writes — also while the snapshot store is busy writing (on SQLite, a snapshot holds its database's write lock).
/// A million-object token once answered its first C_GenerateKey after a restart with CKR_DEVICE_ERROR: the snapshot due
/// then was written into the journal's SQLite file, and the journal write behind it ran into the circuit breaker's timeout.
/// </summary>
public sealed class LargeTokenSnapshotSpec
{
    private const int Objects = 20_000;

    /// <summary>A token of <paramref name="count"/> public data objects, as `ock token restore` hands it over.</summary>
    internal static TokenSnapshot BigToken(int count = Objects)
    {
        var so = PinCrypto.Wrap(PinCrypto.NewMasterKey(), "so-secret"u8, 1000);
        var objects = new List<KeyValuePair<ulong, AttributeSet>>(count);
        for (var i = 0; i < count; i++)
        {
            var a = new AttributeSet();
            a.SetULong(CKA.CLASS, CKO.DATA);
            a.SetBool(CKA.TOKEN, true);
            a.SetBool(CKA.PRIVATE, false);
            a.SetBool(CKA.MODIFIABLE, true);
            a.SetBool(CKA.DESTROYABLE, true);
            a.Set(CKA.LABEL, Encoding.UTF8.GetBytes($"big-{i}"));
            a.Set(CKA.UNIQUE_ID, Encoding.UTF8.GetBytes($"uid-{i:D8}"));
            a.Set(CKA.VALUE, Encoding.UTF8.GetBytes($"value of object {i}, padded to look like a key ................"));
            objects.Add(new((ulong)i + 1, a));
        }

        return new TokenSnapshot(true, "big", so, null, 0, 0, (ulong)count + 1, objects);
    }

    /// <param name="journalTimeout">The journal's circuit-breaker call-timeout: a journal write that takes longer fails (CKR_DEVICE_ERROR).</param>
    private static Task<T> WithDaemon<T>(StoreUnderTest store, string name, string journalTimeout, Func<IActorRef, IActorRef, Task<T>> body) =>
        store.WithDaemonAsync(name, body, ConfigurationFactory.ParseString($"akka.persistence.journal.sql.circuit-breaker.call-timeout = {journalTimeout}"),
            readySeconds: 120);

    [Theory]
    [MemberData(nameof(StoreBackends.All), MemberType = typeof(StoreBackends))]
    public async Task A_large_token_recovers_from_its_snapshot_and_takes_writes_while_the_snapshot_store_is_busy(string backend)
    {
        using var store = StoreBackends.Create(backend, snapshotEvery: 1000, extra: "snapshot-tail-ratio = 0.5");
        var big = BigToken();
        // the import is one journal write of every object: time enough for it
        var snapshotAt = await WithDaemon(store, "first", "300s", async (_, token) =>
        {
            var imported = await token.Ask<TokenProtocol.ImportedState>(
                new TokenProtocol.ImportState(TokenEventSerializer.BackupManifest,
                    TokenEventSerializer.EncodeBackup(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32), big), 1, 0), TimeSpan.FromSeconds(300));
            Assert.True(imported.Ok, imported.Message);
            // the import's events make a snapshot due: it is written while the token answers
            var deadline = DateTime.UtcNow.AddSeconds(60);
            long at;
            while ((at = store.SnapshotScalar("SELECT COALESCE(MAX(sequence_number), 0) FROM snapshot")) < Objects && DateTime.UtcNow < deadline)
                await Task.Delay(100);
            return at;
        });
        Assert.True(snapshotAt >= Objects, $"no snapshot of the imported token (newest at {snapshotAt})");
        Assert.Equal(1, store.SnapshotScalar("SELECT COUNT(*) FROM snapshot"));
        // the snapshot is compact: well under the v2 layout's ~12 bytes per attribute beside the values
        Assert.InRange(store.SnapshotScalar("SELECT MAX(LENGTH(snapshot)) FROM snapshot"), Objects * 60, Objects * 130);

        // from here a journal write that waits longer than 3 s fails (CKR_DEVICE_ERROR), as one waiting behind a big snapshot did
        await WithDaemon(store, "second", "3s", async (apps, token) =>
        {
            var stats = await token.Ask<TokenProtocol.StoreStats>(TokenProtocol.GetStoreStats.Instance, TimeSpan.FromSeconds(10));
            Assert.Equal(Objects, stats.Objects);
            var c = await ClientHarness.ConnectAsync(apps);
            var s = c.OpenSession(0);
            Assert.Equal([(ulong)Objects], TokenStoreSpec.FindLabel(c, s, $"big-{Objects - 1}"));
            Assert.Equal([7UL], TokenStoreSpec.Find(c, s, new WireAttribute(CKA.UNIQUE_ID, "uid-00000006"u8.ToArray())));

            // the snapshot store is busy (its database's write lock held, as while a large snapshot is written): writes go on
            using (var busy = backend == "sqlite" ? store.OpenSnapshots() : null)
            {
                if (busy is not null)
                {
                    using var begin = busy.CreateCommand();
                    begin.CommandText = "BEGIN IMMEDIATE";
                    begin.ExecuteNonQuery();
                }

                var sw = Stopwatch.StartNew();
                for (var i = 0; i < 5; i++)
                    Assert.Equal((ulong)Objects + 1 + (ulong)i, TokenStoreSpec.Create(c, s, $"after-restart-{i}"));
                Assert.True(sw.Elapsed < TimeSpan.FromSeconds(3), $"5 writes took {sw.Elapsed} while the snapshot store was busy");
            }

            c.CallOk(Opcode.DestroyObject, w => { w.WriteULong(s); w.WriteULong(1); });
            Assert.Empty(TokenStoreSpec.FindLabel(c, s, "big-0"));
            return 0;
        });

        await WithDaemon(store, "third", "3s", async (apps, token) =>
        {
            var stats = await token.Ask<TokenProtocol.StoreStats>(TokenProtocol.GetStoreStats.Instance, TimeSpan.FromSeconds(10));
            Assert.Equal(Objects + 5 - 1, stats.Objects);
            var c = await ClientHarness.ConnectAsync(apps);
            var s = c.OpenSession(0);
            Assert.Equal([(ulong)Objects + 5], TokenStoreSpec.FindLabel(c, s, "after-restart-4"));
            Assert.Empty(TokenStoreSpec.FindLabel(c, s, "big-0"));
            return 0;
        });
    }
}
