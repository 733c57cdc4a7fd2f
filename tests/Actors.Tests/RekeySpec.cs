using System.Text;
using Akka.Actor;
using OpenCryptokiActors.Actors.Persistence;
using OpenCryptokiActors.Actors.Tokens;
using OpenCryptokiActors.Cryptoki.Audit;
using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Cryptoki.Wire;
using OpenCryptokiActors.Tokens.Objects;
using OpenCryptokiActors.Tokens.State;
using static OpenCryptokiActors.Actors.Tests.TokenStoreSpec;

namespace OpenCryptokiActors.Actors.Tests;

/// <summary>
/// Master-key rotation (ock token rekey) on SQLite and PostgreSQL: every private object ends up sealed under a new master key
/// (and none under the old one), in batches, while a reader goes on reading; the new key is wrapped under both PINs; the
/// rotation is in the audit trail; the token recovers after it.
/// </summary>
public sealed class RekeySpec
{
    private const string So = "so-secret", User = "user-pin";
    private const int Secrets = 20, Batch = 3;

    internal static WireAttribute[] Secret(string label) =>
    [
        new(CKA.CLASS, Attr.ULong(CKO.SECRET_KEY)), new(CKA.KEY_TYPE, Attr.ULong(CKK.GENERIC_SECRET)), new(CKA.TOKEN, Attr.Bool(true)),
        new(CKA.PRIVATE, Attr.Bool(true)), new(CKA.SENSITIVE, Attr.Bool(false)), new(CKA.EXTRACTABLE, Attr.Bool(true)),
        new(CKA.LABEL, Encoding.UTF8.GetBytes(label)), new(CKA.VALUE, SecretValue(label)),
    ];

    internal static byte[] SecretValue(string label) => System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes("value of " + label));

    internal static byte[] ReadValue(ClientHarness c, ulong s, ulong h)
    {
        var reply = c.CallOk(Opcode.GetAttributeValue, w => { w.WriteULong(s); w.WriteULong(h); w.WriteUInt32(1); w.WriteULong(CKA.VALUE); w.WriteULong(64); });
        var r = new WireReader(reply.Payload);
        r.ReadUInt32();
        r.ReadULong();
        return r.ReadNullableBytes() ?? [];
    }

    private static async Task<TokenSnapshot> Export(IActorRef token)
    {
        var e = await token.Ask<TokenProtocol.ExportedState>(TokenProtocol.ExportState.Instance, TimeSpan.FromSeconds(30));
        Assert.Null(e.Busy);
        return TokenEventSerializer.DecodeBackup(e.Manifest, e.Snapshot).Snapshot;
    }

    /// <summary>Whether every sealed value of every private object opens under <paramref name="key"/> (all: true; none: false; a mix fails).</summary>
    private static bool AllOpenUnder(TokenSnapshot s, byte[] key)
    {
        var opened = new List<bool>();
        foreach (var (id, attrs) in s.Objects.Where(o => o.Value.IsTrue(CKA.PRIVATE)))
            foreach (var (type, value) in attrs.Where(a => TemplateValidator.IsSecretAtRest(attrs, a.Key)))
                opened.Add(PinCrypto.TryOpen(key, value, PinCrypto.AttributeAad(id, type)) is not null);
        Assert.True(opened.Count >= Secrets);
        Assert.True(opened.All(o => o) || opened.All(o => !o), "some private values under one key, some under another");
        return opened[0];
    }

    [Theory]
    [MemberData(nameof(StoreBackends.All), MemberType = typeof(StoreBackends))]
    public async Task Rekey_moves_every_private_object_to_a_new_master_key_in_batches_while_a_reader_goes_on(string backend)
    {
        using var store = StoreBackends.Create(backend, extra: $"rekey-batch = {Batch}");
        var handles = new Dictionary<string, ulong>();
        byte[] oldKey;
        var system = ActorSystem.Create("rekey", store.Config);
        try
        {
            var (apps, token) = await store.StartAsync(system);
            await token.Ask<TokenProtocol.Ready>(TokenProtocol.AwaitReady.Instance, TimeSpan.FromSeconds(60));
            var c = await ClientHarness.ConnectAsync(apps);
            c.InitToken(0, So, "rekey");
            var s = c.OpenSession(0);
            c.Login(s, CKU.SO, So);
            c.CallOk(Opcode.InitPIN, w => { w.WriteULong(s); w.WriteBytes(Encoding.UTF8.GetBytes(User)); });
            c.CallOk(Opcode.Logout, w => w.WriteULong(s));
            c.Login(s, CKU.USER, User);
            for (var i = 0; i < Secrets; i++)
            {
                var label = $"secret-{i}";
                handles[label] = c.CallOk(Opcode.CreateObject, w => { w.WriteULong(s); w.WriteTemplate(Secret(label)); }).ULong();
            }

            var publicOne = Create(c, s, "public");
            var before = await Export(token);
            oldKey = PinCrypto.TryUnwrap(before.SoPin!, Encoding.UTF8.GetBytes(So))!;
            Assert.True(AllOpenUnder(before, oldKey));

            // without the User PIN (the token has one): refused, nothing journaled
            var refused = await token.Ask<TokenProtocol.RekeyDone>(new TokenProtocol.StartRekey(Encoding.UTF8.GetBytes(So), null, 1, 0), TimeSpan.FromSeconds(30));
            Assert.False(refused.Ok);
            Assert.Contains("User PIN", refused.Message);
            var wrong = await token.Ask<TokenProtocol.RekeyDone>(
                new TokenProtocol.StartRekey("wrong-so"u8.ToArray(), Encoding.UTF8.GetBytes(User), 1, 0), TimeSpan.FromSeconds(30));
            Assert.False(wrong.Ok);

            var rekey = token.Ask<TokenProtocol.RekeyDone>(
                new TokenProtocol.StartRekey(Encoding.UTF8.GetBytes(So), Encoding.UTF8.GetBytes(User), 4242, 0), TimeSpan.FromSeconds(120));
            var reads = 0;
            do
            {
                // the reader: every value right, at every moment of the rotation
                var label = $"secret-{reads % Secrets}";
                Assert.Equal(SecretValue(label), ReadValue(c, s, handles[label]));
                reads++;
            } while (!rekey.IsCompleted);

            var done = await rekey;
            Assert.True(done.Ok, done.Message);
            Assert.Contains($"{Secrets} private object(s)", done.Message);
            foreach (var (label, h) in handles) Assert.Equal(SecretValue(label), ReadValue(c, s, h));
            // writes go on after the rotation, sealed under the new key
            handles["secret-after"] = c.CallOk(Opcode.CreateObject, w => { w.WriteULong(s); w.WriteTemplate(Secret("secret-after")); }).ULong();
            Assert.Equal([publicOne], FindLabel(c, s, "public"));

            var after = await Export(token);
            var newKey = PinCrypto.TryUnwrap(after.SoPin!, Encoding.UTF8.GetBytes(So))!;
            Assert.Equal(newKey, PinCrypto.TryUnwrap(after.UserPin!, Encoding.UTF8.GetBytes(User)));
            Assert.NotEqual(oldKey, newKey);
            Assert.True(AllOpenUnder(after, newKey));
            Assert.False(AllOpenUnder(after, oldKey));
        }
        finally
        {
            await system.Terminate();
        }

        using (var db = store.Open())
        {
            var rows = AuditJournal.ReadRows(db);
            var actions = rows.Select(AuditJournal.Describe).Select(e => e.Action).ToList();
            Assert.Single(actions, "RekeyStarted");
            Assert.Single(actions, "RekeyCompleted");
            Assert.Equal((Secrets + Batch - 1) / Batch, actions.Count(a => a == "ObjectsResealed"));
            Assert.True(actions.IndexOf("RekeyStarted") < actions.IndexOf("ObjectsResealed") && actions.LastIndexOf("ObjectsResealed") < actions.IndexOf("RekeyCompleted"));
            Assert.All(rows.Select(AuditJournal.Describe).Where(e => e.Action.StartsWith("Rekey", StringComparison.Ordinal)), e => Assert.Equal(4242, e.Pid));
            Assert.Empty(AuditJournal.Verify(rows, AuditJournal.ReadSnapshotHeads(db)));
        }

        // recovery replays the rotation: the PINs open the new key, every value is right
        var again = ActorSystem.Create("rekey-again", store.Config);
        try
        {
            var (apps, token) = await store.StartAsync(again);
            await token.Ask<TokenProtocol.Ready>(TokenProtocol.AwaitReady.Instance, TimeSpan.FromSeconds(60));
            var c = await ClientHarness.ConnectAsync(apps);
            var s = c.OpenSession(0);
            c.Login(s, CKU.USER, User);
            foreach (var (label, h) in handles) Assert.Equal(SecretValue(label), ReadValue(c, s, h));
            Assert.False(AllOpenUnder(await Export(token), oldKey));
        }
        finally
        {
            await again.Terminate();
        }
    }
}
