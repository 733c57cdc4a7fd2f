using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Akka.Actor;
using Akka.Event;
using OpenCryptokiActors.Actors.Persistence;
using OpenCryptokiActors.Actors.Tokens;
using OpenCryptokiActors.Cryptoki.Audit;
using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Cryptoki.Wire;
using OpenCryptokiActors.Tokens.Objects;
using OpenCryptokiActors.Tokens.State;

namespace OpenCryptokiActors.Actors.Tests;

/// <summary>
/// Secret values of public token objects (CKA_PRIVATE = FALSE: usable without a login, so not under the master key) at rest, on
/// SQLite and PostgreSQL: sealed under the token's object key, a 0600 file outside the database, so that neither the journal nor a
/// snapshot holds a key value; rows written before in clear still load (and get sealed); a backup carries the key and restores
/// them into a token with another object key.
/// </summary>
public sealed class PublicSecretsAtRestSpec
{
    private const string So = "so-secret", User = "user-pin";
    private static readonly byte[] Block = "sixteen byte blk"u8.ToArray();

    private static WireAttribute[] AesKey(string label, byte[] value, bool @private, bool sensitive) =>
    [
        new(CKA.CLASS, Attr.ULong(CKO.SECRET_KEY)), new(CKA.KEY_TYPE, Attr.ULong(CKK.AES)), new(CKA.TOKEN, Attr.Bool(true)),
        new(CKA.PRIVATE, Attr.Bool(@private)), new(CKA.SENSITIVE, Attr.Bool(sensitive)), new(CKA.EXTRACTABLE, Attr.Bool(true)),
        new(CKA.ENCRYPT, Attr.Bool(true)), new(CKA.DECRYPT, Attr.Bool(true)),
        new(CKA.LABEL, Encoding.UTF8.GetBytes(label)), new(CKA.VALUE, value),
    ];

    private static ulong CreateKey(ClientHarness c, ulong s, WireAttribute[] template) =>
        c.CallOk(Opcode.CreateObject, w => { w.WriteULong(s); w.WriteTemplate(template); }).ULong();

    /// <summary>C_EncryptInit(CKM_AES_ECB) + C_Encrypt of <see cref="Block"/> through the session.</summary>
    private static byte[] EncryptEcb(ClientHarness c, ulong s, ulong key)
    {
        c.CallOk(Opcode.EncryptInit, w => { w.WriteULong(s); w.WriteMechanism(new WireMechanism(CKM.AES_ECB, null)); w.WriteULong(key); });
        var r = new WireReader(c.CallOk(Opcode.Encrypt, w => { w.WriteULong(s); w.WriteBytes(Block); w.WriteULong(64); }).Payload);
        r.ReadULong();
        return r.ReadBytes();
    }

    private static byte[] KnownAnswer(byte[] key)
    {
        using var aes = Aes.Create();
        aes.Key = key;
        return aes.EncryptEcb(Block, PaddingMode.None);
    }

    private static (ulong Rv, byte[]? Value) ReadValue(ClientHarness c, ulong s, ulong h)
    {
        var reply = c.Call(Opcode.GetAttributeValue, w => { w.WriteULong(s); w.WriteULong(h); w.WriteUInt32(1); w.WriteULong(CKA.VALUE); w.WriteULong(64); });
        var r = new WireReader(reply.Payload);
        r.ReadUInt32();
        r.ReadULong();
        return (reply.Rv, r.ReadNullableBytes());
    }

    private static string DataDir(StoreUnderTest store) => store.Config.GetString("opencryptoki.data-dir");

    private static Task<T> Run<T>(StoreUnderTest store, string name, Func<ClientHarness, IActorRef, Task<T>> body) =>
        store.WithDaemonAsync(name, async (apps, token) => await body(await ClientHarness.ConnectAsync(apps), token));

    /// <summary>Every byte of every journal and snapshot row, as the database returns them (all columns).</summary>
    private static List<(string Where, byte[] Bytes)> StoredRows(StoreUnderTest store)
    {
        var rows = new List<(string, byte[])>();
        foreach (var table in new[] { "journal", "snapshot" })
        {
            using var db = table == "journal" ? store.Open() : store.OpenSnapshots();
            using var cmd = db.CreateCommand();
            cmd.CommandText = $"SELECT * FROM {table}";
            using var reader = cmd.ExecuteReader();
            while (reader.Read())
                for (var i = 0; i < reader.FieldCount; i++)
                    if (!reader.IsDBNull(i))
                        rows.Add(($"{table}.{reader.GetName(i)}", reader.GetValue(i) switch
                        {
                            byte[] b => b,
                            var v => Encoding.UTF8.GetBytes(Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture) ?? ""),
                        }));
        }

        return rows;
    }

    /// <summary>Where <paramref name="needle"/> (raw, hex or base64) occurs in the rows of the store and, for SQLite, in its files.</summary>
    private static List<string> Occurrences(StoreUnderTest store, byte[] needle)
    {
        var forms = new[]
        {
            needle, Encoding.ASCII.GetBytes(Convert.ToHexString(needle)), Encoding.ASCII.GetBytes(Convert.ToHexString(needle).ToLowerInvariant()),
            Encoding.ASCII.GetBytes(Convert.ToBase64String(needle)),
        };
        var found = new List<string>();
        foreach (var (where, bytes) in StoredRows(store))
            if (forms.Any(f => bytes.AsSpan().IndexOf(f) >= 0)) found.Add(where);
        if (store.Backend == "sqlite")
            foreach (var file in Directory.GetFiles(DataDir(store), "*.db*"))
                if (forms.Any(f => File.ReadAllBytes(file).AsSpan().IndexOf(f) >= 0)) found.Add(Path.GetFileName(file));
        return found;
    }

    private static async Task WaitForSnapshot(StoreUnderTest store, long atLeast = 1)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (store.SnapshotScalar("SELECT COUNT(*) FROM snapshot") < atLeast)
        {
            Assert.True(DateTime.UtcNow < deadline, "no snapshot was taken");
            await Task.Delay(50);
        }
    }

    [Theory]
    [MemberData(nameof(StoreBackends.All), MemberType = typeof(StoreBackends))]
    public async Task Secret_values_of_public_objects_are_in_no_journal_or_snapshot_row_and_the_keys_work_after_a_restart(string backend)
    {
        using var store = StoreBackends.Create(backend, snapshotEvery: 4);
        var sensitiveValue = RandomNumberGenerator.GetBytes(32);
        var readableValue = RandomNumberGenerator.GetBytes(32);
        var (sensitive, readable) = await Run(store, "first", async (c, _) =>
        {
            c.InitToken(0, So, "public secrets");
            var s = c.OpenSession(0); // nobody logs in: public objects only
            var sensitiveKey = CreateKey(c, s, AesKey("public sensitive", sensitiveValue, @private: false, sensitive: true));
            var readableKey = CreateKey(c, s, AesKey("public readable", readableValue, @private: false, sensitive: false));
            c.CallOk(Opcode.SetAttributeValue, w => { w.WriteULong(s); w.WriteULong(readableKey); w.WriteTemplate([new(CKA.LABEL, "public readable 2"u8.ToArray())]); });
            Assert.Equal(KnownAnswer(sensitiveValue), EncryptEcb(c, s, sensitiveKey));
            Assert.Equal(readableValue, ReadValue(c, s, readableKey).Value);
            for (var i = 0; i < 4; i++) TokenStoreSpec.Create(c, s, $"filler-{i}");
            await WaitForSnapshot(store);
            return (sensitiveKey, readableKey);
        });

        Assert.Empty(Occurrences(store, sensitiveValue));
        Assert.Empty(Occurrences(store, readableValue));
        Assert.Empty(Occurrences(store, sensitiveValue[..16]));
        Assert.Empty(Occurrences(store, readableValue[..16]));

        // the object key: a 0600 file outside the database
        var keyFile = ObjectKeyFile.PathOf(DataDir(store), "token-tok0");
        Assert.Equal(PinCrypto.MasterKeyLength, new FileInfo(keyFile).Length);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyFile));
        Assert.Empty(Occurrences(store, File.ReadAllBytes(keyFile)));

        // recovered from the snapshot and the journal: the same keys, still without a login
        await Run(store, "second", (c, _) =>
        {
            var s = c.OpenSession(0);
            Assert.Equal(KnownAnswer(sensitiveValue), EncryptEcb(c, s, sensitive));
            Assert.Equal(KnownAnswer(readableValue), EncryptEcb(c, s, readable));
            Assert.Equal(readableValue, ReadValue(c, s, readable).Value);
            Assert.Equal(CKR.ATTRIBUTE_SENSITIVE, ReadValue(c, s, sensitive).Rv);
            return Task.FromResult(0);
        });
    }

    [Theory]
    [MemberData(nameof(StoreBackends.All), MemberType = typeof(StoreBackends))]
    public async Task A_public_secret_journaled_in_clear_before_the_object_key_still_loads_and_is_sealed_in_the_next_snapshot(string backend)
    {
        using var store = StoreBackends.Create(backend, snapshotEvery: 100);
        var value = RandomNumberGenerator.GetBytes(32);
        var handle = await Run(store, "first", (c, _) =>
        {
            c.InitToken(0, So, "legacy");
            var s = c.OpenSession(0);
            return Task.FromResult(CreateKey(c, s, AesKey("legacy public", value, @private: false, sensitive: false)));
        });

        // the row as code before the object key wrote it: ObjectCreated.v1 with the value in clear (re-hashed: the newest row)
        var key = File.ReadAllBytes(ObjectKeyFile.PathOf(DataDir(store), "token-tok0"));
        JournalRow row;
        using (var db = store.Open()) row = AuditJournal.ReadRows(db).Last();
        var record = AuditRecord.Parse(row.Message, out _);
        Assert.Equal("ObjectCreated.v2", record.EventManifest);
        var created = (ObjectCreated)TokenEventSerializer.Decode(record.EventPayload, record.EventManifest);
        Assert.Equal(handle, created.Id);
        var legacy = new ObjectCreated(created.Id, PinCrypto.OpenSecrets(key, created.Id, created.Attributes, out _)!) { PublicInClear = true };
        Assert.Equal("ObjectCreated.v1", TokenEventSerializer.ManifestOf(legacy));
        var rewritten = AuditRecord.Create(record.PreviousHash, record.At, record.Pid, record.Uid, record.Session, "ObjectCreated.v1", TokenEventSerializer.Encode(legacy));
        store.Execute($"UPDATE journal SET message = @m WHERE sequence_number = {row.SequenceNr}", ("@m", rewritten.ToBinary()));
        Assert.Contains("journal.message", Occurrences(store, value));

        await Run(store, "second", async (c, _) =>
        {
            var s = c.OpenSession(0);
            Assert.Equal(value, ReadValue(c, s, handle).Value);
            Assert.Equal(KnownAnswer(value), EncryptEcb(c, s, handle));
            await WaitForSnapshot(store);
            return 0;
        });

        // the old row keeps what it was written with; the snapshot taken as the token loaded it holds the value sealed
        var after = Occurrences(store, value);
        Assert.Contains("journal.message", after);
        Assert.DoesNotContain(after, w => w.StartsWith("snapshot.", StringComparison.Ordinal));
        using (var db = store.OpenSnapshots())
        using (var cmd = db.CreateCommand())
        {
            cmd.CommandText = "SELECT manifest FROM snapshot";
            Assert.Equal("TokenSnapshot.v3", cmd.ExecuteScalar());
        }

        await Run(store, "third", (c, _) =>
        {
            var s = c.OpenSession(0);
            Assert.Equal(KnownAnswer(value), EncryptEcb(c, s, handle));
            return Task.FromResult(0);
        });
    }

    [Theory]
    [MemberData(nameof(StoreBackends.All), MemberType = typeof(StoreBackends))]
    public async Task A_backup_restores_public_secret_keys_into_a_token_with_another_object_key(string backend)
    {
        using var source = StoreBackends.Create(backend);
        var publicValue = RandomNumberGenerator.GetBytes(32);
        var privateValue = RandomNumberGenerator.GetBytes(32);
        var backup = await Run(source, "source", async (c, token) =>
        {
            c.InitToken(0, So, "backed up");
            var s = c.OpenSession(0);
            c.Login(s, CKU.SO, So);
            c.CallOk(Opcode.InitPIN, w => { w.WriteULong(s); w.WriteBytes(Encoding.UTF8.GetBytes(User)); });
            c.CallOk(Opcode.Logout, w => w.WriteULong(s));
            c.Login(s, CKU.USER, User);
            CreateKey(c, s, AesKey("private key", privateValue, @private: true, sensitive: true));
            CreateKey(c, s, AesKey("public key", publicValue, @private: false, sensitive: true));
            return await token.Ask<TokenProtocol.ExportedState>(TokenProtocol.ExportState.Instance, TimeSpan.FromSeconds(30));
        });

        // the backup carries the object key beside the snapshot (ock encrypts the whole under the SO PIN); no value in clear
        Assert.Equal(TokenEventSerializer.BackupManifest, backup.Manifest);
        Assert.True(backup.Snapshot.AsSpan().IndexOf(publicValue) < 0 && backup.Snapshot.AsSpan().IndexOf(privateValue) < 0);
        var (backupKey, snapshot) = TokenEventSerializer.DecodeBackup(backup.Manifest, backup.Snapshot);
        Assert.Equal(File.ReadAllBytes(ObjectKeyFile.PathOf(DataDir(source), "token-tok0")), backupKey);

        async Task RestoreAndUse(StoreUnderTest target, string manifest, byte[] state)
        {
            await Run(target, "target", async (c, token) =>
            {
                var done = await token.Ask<TokenProtocol.ImportedState>(new TokenProtocol.ImportState(manifest, state, 1, 0), TimeSpan.FromSeconds(30));
                Assert.True(done.Ok, done.Message);
                var s = c.OpenSession(0);
                var pub = Assert.Single(TokenStoreSpec.FindLabel(c, s, "public key"));
                Assert.Equal(KnownAnswer(publicValue), EncryptEcb(c, s, pub));
                c.Login(s, CKU.USER, User);
                var priv = Assert.Single(TokenStoreSpec.FindLabel(c, s, "private key"));
                Assert.Equal(KnownAnswer(privateValue), EncryptEcb(c, s, priv));
                return 0;
            });
            Assert.NotEqual(backupKey, File.ReadAllBytes(ObjectKeyFile.PathOf(DataDir(target), "token-tok0")));
            Assert.Empty(Occurrences(target, publicValue));
            // journaled: after a restart the restored public key still works
            await Run(target, "target-again", (c, _) =>
            {
                var s = c.OpenSession(0);
                Assert.Equal(KnownAnswer(publicValue), EncryptEcb(c, s, Assert.Single(TokenStoreSpec.FindLabel(c, s, "public key"))));
                return Task.FromResult(0);
            });
        }

        // another machine: another data directory, another object key
        using (var target = StoreBackends.Create(backend)) await RestoreAndUse(target, backup.Manifest, backup.Snapshot);

        // a backup made before the object key (a bare TokenSnapshot.v2, public secrets in clear) restores too
        var inClear = snapshot with
        {
            Objects = snapshot.Objects.Select(o => new KeyValuePair<ulong, AttributeSet>(o.Key,
                o.Value.IsTrue(CKA.PRIVATE) ? o.Value : PinCrypto.OpenSecrets(backupKey!, o.Key, o.Value, out _)!)).ToList(),
            PublicInClear = true,
        };
        Assert.Equal("TokenSnapshot.v2", TokenEventSerializer.ManifestOf(inClear));
        using (var old = StoreBackends.Create(backend)) await RestoreAndUse(old, "TokenSnapshot.v2", TokenEventSerializer.Encode(inClear));
    }

    [Theory]
    [MemberData(nameof(StoreBackends.All), MemberType = typeof(StoreBackends))]
    public async Task A_master_key_rotation_leaves_public_secrets_under_the_object_key_and_both_kinds_keep_working(string backend)
    {
        using var store = StoreBackends.Create(backend);
        var publicValue = RandomNumberGenerator.GetBytes(32);
        var privateValue = RandomNumberGenerator.GetBytes(32);
        await Run(store, "rekey", async (c, token) =>
        {
            c.InitToken(0, So, "rekey");
            var s = c.OpenSession(0);
            c.Login(s, CKU.SO, So);
            c.CallOk(Opcode.InitPIN, w => { w.WriteULong(s); w.WriteBytes(Encoding.UTF8.GetBytes(User)); });
            c.CallOk(Opcode.Logout, w => w.WriteULong(s));
            var pub = CreateKey(c, s, AesKey("public", publicValue, @private: false, sensitive: true));
            c.Login(s, CKU.USER, User);
            var priv = CreateKey(c, s, AesKey("private", privateValue, @private: true, sensitive: true));
            c.CallOk(Opcode.Logout, w => w.WriteULong(s));
            var done = await token.Ask<TokenProtocol.RekeyDone>(
                new TokenProtocol.StartRekey(Encoding.UTF8.GetBytes(So), Encoding.UTF8.GetBytes(User), 1, 0), TimeSpan.FromSeconds(60));
            Assert.True(done.Ok, done.Message);
            Assert.Equal(KnownAnswer(publicValue), EncryptEcb(c, s, pub));
            c.Login(s, CKU.USER, User);
            Assert.Equal(KnownAnswer(privateValue), EncryptEcb(c, s, priv));
            return 0;
        });
        Assert.Empty(Occurrences(store, publicValue));
        Assert.Empty(Occurrences(store, privateValue));
    }

    [Fact]
    public async Task A_lost_object_key_file_is_reported_and_its_public_secrets_answer_DEVICE_ERROR_with_the_object_id_logged_while_the_token_loads()
    {
        using var store = StoreBackends.Create("sqlite");
        var value = RandomNumberGenerator.GetBytes(32);
        var handle = await Run(store, "first", (c, _) =>
        {
            c.InitToken(0, So, "lost key");
            var s = c.OpenSession(0);
            TokenStoreSpec.Create(c, s, "data");
            return Task.FromResult(CreateKey(c, s, AesKey("public", value, @private: false, sensitive: true)));
        });

        var keyFile = ObjectKeyFile.PathOf(DataDir(store), "token-tok0");
        var lostKey = File.ReadAllBytes(keyFile);
        File.Delete(keyFile);
        var errors = new ConcurrentQueue<string>();
        var system = ActorSystem.Create("second", store.Config);
        try
        {
            var collector = system.ActorOf(Props.Create(() => new TokenStoreSpec.ErrorCollector(errors)));
            system.EventStream.Subscribe(collector, typeof(Error));
            var (apps, token) = await store.StartAsync(system);
            await token.Ask<TokenProtocol.Ready>(TokenProtocol.AwaitReady.Instance, TimeSpan.FromSeconds(60));
            var c = await ClientHarness.ConnectAsync(apps);
            var s = c.OpenSession(0);
            Assert.Single(TokenStoreSpec.FindLabel(c, s, "data"));
            Assert.Equal(CKR.DEVICE_ERROR, c.Call(Opcode.EncryptInit, w =>
            {
                w.WriteULong(s);
                w.WriteMechanism(new WireMechanism(CKM.AES_ECB, null));
                w.WriteULong(handle);
            }).Rv);
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (errors.Count < 2 && DateTime.UtcNow < deadline) await Task.Delay(20);
        }
        finally
        {
            await system.Terminate();
        }

        Assert.Contains(errors, m => m.Contains("object key file") && m.Contains("missing"));
        Assert.Contains(errors, m => m.Contains($"object {handle}") && m.Contains("does not open"));
        Assert.NotEqual(lostKey, File.ReadAllBytes(keyFile));
        foreach (var m in errors)
        {
            Assert.DoesNotContain(Convert.ToHexString(value), m, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(Convert.ToHexString(lostKey), m, StringComparison.OrdinalIgnoreCase);
        }
    }
}
