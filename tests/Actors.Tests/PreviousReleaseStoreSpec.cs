using System.Security.Cryptography;
using Akka.Actor;
using Akka.Configuration;
using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Cryptoki.Wire;
using OpenCryptokiActors.Tokens.Objects;

namespace OpenCryptokiActors.Actors.Tests;

/// <summary>
/// The journal and snapshot formats stay readable: tests/testdata/store-v11 is a token store written by the previous
/// release (ock-slotd and the module of stop 11, driven by pkcs11-tool: token "legacy", SO PIN 87654321, User PIN 12345678,
/// an RSA-2048 and a P-256 key pair, a sensitive AES-256 key that encrypted "legacy store 16b" under AES-ECB, a public data
/// object; snapshot-every 8, so recovery reads a snapshot and a journal tail). This code recovers it, opens the sealed
/// secrets and uses the keys.
/// </summary>
public sealed class PreviousReleaseStoreSpec
{
    private static readonly byte[] Plain = "legacy store 16b"u8.ToArray();
    private static readonly byte[] Ciphertext = Convert.FromHexString("dc6b3a5e95c90756aa0d0ed1712052af");

    private static string Copy()
    {
        var source = Path.Combine(AppContext.BaseDirectory, "testdata", "store-v11");
        var dir = TestConfig.NewDataDir();
        foreach (var file in Directory.GetFiles(source, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(dir, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }

        // git keeps no modes: the object key file is 0600 in a 0700 directory, as the daemon writes it
        File.SetUnixFileMode(Path.Combine(dir, "keys"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.SetUnixFileMode(Path.Combine(dir, "keys", "token-legacy.key"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return dir;
    }

    private static ulong[] Find(ClientHarness client, ulong session, params WireAttribute[] template)
    {
        client.CallOk(Opcode.FindObjectsInit, w => { w.WriteULong(session); w.WriteTemplate(template); });
        var found = new WireReader(client.CallOk(Opcode.FindObjects, w => { w.WriteULong(session); w.WriteULong(100); }).Payload).ReadULongs();
        client.CallOk(Opcode.FindObjectsFinal, w => w.WriteULong(session));
        return found;
    }

    private static byte[] Output(Reply reply)
    {
        var r = new WireReader(reply.Payload);
        r.ReadULong();
        return r.ReadBytes();
    }

    [Fact]
    public async Task A_store_of_the_previous_release_recovers_and_its_keys_work()
    {
        var dir = Copy();
        var config = OpenCryptokiDaemon.Compose(ConfigurationFactory.ParseString($$"""
            opencryptoki {
              data-dir = "{{dir}}"
              socket = "{{dir}}/slotd.socket"
              pbkdf2-iterations = 1000
              slots = [ { id = 0, token-type = soft, token-name = legacy, description = "Soft token" } ]
            }
            akka.loglevel = WARNING
            """));
        var system = ActorSystem.Create("previous", config);
        try
        {
            var client = await ClientHarness.ConnectAsync(await Runtime.StartAsync(system, config));
            var (_, _, flags) = client.TokenCounts(0);
            Assert.True((flags & CKF.TOKEN_INITIALIZED) != 0 && (flags & CKF.USER_PIN_INITIALIZED) != 0, $"flags 0x{flags:X}");
            var session = client.OpenSession(0);

            // public objects before login: the public keys and the data object, with its value
            var data = Assert.Single(Find(client, session, new WireAttribute(CKA.LABEL, "pubdata"u8.ToArray())));
            var value = client.CallOk(Opcode.GetAttributeValue, w => { w.WriteULong(session); w.WriteULong(data); w.WriteUInt32(1); w.WriteULong(CKA.VALUE); w.WriteULong(64); });
            var vr = new WireReader(value.Payload);
            vr.ReadUInt32();
            vr.ReadULong();
            Assert.Equal("public data\n"u8.ToArray(), vr.ReadBytes());
            // the AES key is a public, sensitive object: found, its value sealed under the object key and never readable
            var publicAes = Assert.Single(Find(client, session, new WireAttribute(CKA.LABEL, "aeskey"u8.ToArray())));
            var sensitive = client.Call(Opcode.GetAttributeValue, w => { w.WriteULong(session); w.WriteULong(publicAes); w.WriteUInt32(1); w.WriteULong(CKA.VALUE); w.WriteULong(64); });
            Assert.Equal(CKR.ATTRIBUTE_SENSITIVE, sensitive.Rv);
            // the private key of the RSA pair is not visible before login
            Assert.Single(Find(client, session, new WireAttribute(CKA.LABEL, "rsakey"u8.ToArray())));

            client.Login(session, CKU.USER, "12345678");
            Assert.Equal(6, Find(client, session).Count(h => h < 1000)); // two key pairs, the AES key, the data object
            var aes = Assert.Single(Find(client, session, new WireAttribute(CKA.LABEL, "aeskey"u8.ToArray())));
            client.CallOk(Opcode.DecryptInit, w => { w.WriteULong(session); w.WriteMechanism(new WireMechanism(CKM.AES_ECB, null)); w.WriteULong(aes); });
            Assert.Equal(Plain, Output(client.CallOk(Opcode.Decrypt, w => { w.WriteULong(session); w.WriteBytes(Ciphertext); w.WriteULong(64); })));

            // the RSA private key (sealed under the master key the User PIN unwraps) signs; its public key verifies
            var keys = Find(client, session, new WireAttribute(CKA.LABEL, "rsakey"u8.ToArray()));
            Assert.Equal(2, keys.Length);
            var classes = keys.Select(k =>
            {
                var a = client.CallOk(Opcode.GetAttributeValue, w => { w.WriteULong(session); w.WriteULong(k); w.WriteUInt32(1); w.WriteULong(CKA.CLASS); w.WriteULong(8); });
                var r = new WireReader(a.Payload);
                r.ReadUInt32();
                r.ReadULong();
                return BitConverter.ToUInt64(r.ReadBytes());
            }).ToArray();
            var priv = keys[Array.IndexOf(classes, CKO.PRIVATE_KEY)];
            var pub = keys[Array.IndexOf(classes, CKO.PUBLIC_KEY)];
            var message = SHA256.HashData("recovered"u8);
            client.CallOk(Opcode.SignInit, w => { w.WriteULong(session); w.WriteMechanism(new WireMechanism(CKM.SHA256_RSA_PKCS, null)); w.WriteULong(priv); });
            var signature = Output(client.CallOk(Opcode.Sign, w => { w.WriteULong(session); w.WriteBytes(message); w.WriteULong(512); }));
            Assert.Equal(256, signature.Length);
            client.CallOk(Opcode.VerifyInit, w => { w.WriteULong(session); w.WriteMechanism(new WireMechanism(CKM.SHA256_RSA_PKCS, null)); w.WriteULong(pub); });
            client.CallOk(Opcode.Verify, w => { w.WriteULong(session); w.WriteBytes(message); w.WriteBytes(signature); });

            // and the recovered token takes writes
            client.CallOk(Opcode.CreateObject, w =>
            {
                w.WriteULong(session);
                w.WriteTemplate([new(CKA.CLASS, Attr.ULong(CKO.DATA)), new(CKA.TOKEN, Attr.Bool(true)), new(CKA.LABEL, "after"u8.ToArray())]);
            });
        }
        finally
        {
            await system.Terminate();
            Directory.Delete(dir, recursive: true);
        }
    }
}
