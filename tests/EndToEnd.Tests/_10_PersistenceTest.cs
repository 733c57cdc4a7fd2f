using System.Security.Cryptography;
using System.Text;
using Net.Pkcs11Interop.Common;
using OpenCryptokiActors.EndToEnd.Tests.Infrastructure;
using static OpenCryptokiActors.EndToEnd.Tests.Infrastructure.P11;

namespace OpenCryptokiActors.EndToEnd.Tests;

/// <summary>Token state across daemon restarts, and no secret in the SQLite files.</summary>
[Collection(EndToEndCollection.Name)]
public sealed class _10_PersistenceTest(EndToEndFixture fx)
{
    [Fact]
    public void Token_objects_survive_a_restart_with_the_same_attributes()
    {
        var keyValue = RandomNumberGenerator.GetBytes(32);
        var block = Encoding.ASCII.GetBytes("sixteen byte blk");
        var label = "persist " + Guid.NewGuid().ToString("N")[..8];
        byte[] dataUniqueId, keyUniqueId, cipherBefore;
        using (var lib = fx.Load())
        {
            var slot = fx.FreshToken(lib, Slots.Persistence, "persistent");
            using var s = slot.OpenSession(SessionType.ReadWrite);
            s.Login(CKU.CKU_USER, EndToEndFixture.UserPin);
            var data = s.CreateObject(T(A(CKA.CKA_CLASS, CKO.CKO_DATA), A(CKA.CKA_TOKEN, true), A(CKA.CKA_PRIVATE, false),
                A(CKA.CKA_LABEL, label), A(CKA.CKA_APPLICATION, "persistence"), A(CKA.CKA_VALUE, new byte[] { 9, 8, 7 })));
            var key = ImportAesKey(s, keyValue, label, token: true, sensitive: true);
            s.SetAttributeValue(data, T(A(CKA.CKA_APPLICATION, "changed before restart")));
            var gone = s.CreateObject(T(A(CKA.CKA_CLASS, CKO.CKO_DATA), A(CKA.CKA_TOKEN, true), A(CKA.CKA_LABEL, label + " gone")));
            s.DestroyObject(gone);
            s.CreateObject(T(A(CKA.CKA_CLASS, CKO.CKO_DATA), A(CKA.CKA_TOKEN, false), A(CKA.CKA_LABEL, label + " session")));
            dataUniqueId = Bytes(s, data, CKA_UNIQUE_ID);
            keyUniqueId = Bytes(s, key, CKA_UNIQUE_ID);
            cipherBefore = s.Encrypt(M(CKM.CKM_AES_ECB), key, block);
        }

        var exitCode = fx.Daemon.Restart();
        Assert.True(exitCode == 0, $"ock-slotd exit code {exitCode}\n{fx.Daemon.OutputTail()}");

        using (var lib = fx.Load())
        {
            var slot = fx.Slot(lib, Slots.Persistence);
            var info = slot.GetTokenInfo();
            Assert.Equal("persistent", info.Label.TrimEnd());
            Assert.True(info.TokenFlags.TokenInitialized && info.TokenFlags.UserPinInitialized);

            using var s = slot.OpenSession(SessionType.ReadWrite);
            Assert.Single(FindByLabel(s, label)); // the public data object, before login
            s.Login(CKU.CKU_USER, EndToEndFixture.UserPin);
            var found = FindByLabel(s, label);
            Assert.Equal(2, found.Count);
            Assert.Empty(FindByLabel(s, label + " gone"));
            Assert.Empty(FindByLabel(s, label + " session"));

            var data = found.Single(o => ULong(s, o, CKA.CKA_CLASS) == (ulong)CKO.CKO_DATA);
            var key = found.Single(o => ULong(s, o, CKA.CKA_CLASS) == (ulong)CKO.CKO_SECRET_KEY);
            Assert.Equal("changed before restart", Str(s, data, CKA.CKA_APPLICATION));
            Assert.Equal(new byte[] { 9, 8, 7 }, Bytes(s, data, CKA.CKA_VALUE));
            Assert.False(Bool(s, data, CKA.CKA_PRIVATE));
            Assert.Equal(Hex(dataUniqueId), Hex(Bytes(s, data, CKA_UNIQUE_ID)));
            Assert.Equal(Hex(keyUniqueId), Hex(Bytes(s, key, CKA_UNIQUE_ID)));
            Assert.True(Bool(s, key, CKA.CKA_SENSITIVE));
            Assert.True(s.GetAttributeValue(key, [CKA.CKA_VALUE])[0].CannotBeRead);
            Assert.Equal(Hex(cipherBefore), Hex(s.Encrypt(M(CKM.CKM_AES_ECB), key, block)));

            using var aes = Aes.Create();
            aes.Key = keyValue;
            Assert.Equal(Hex(aes.EncryptEcb(block, PaddingMode.None)), Hex(cipherBefore));
        }
    }

    [Fact]
    public void Wrong_PIN_counts_and_PIN_changes_survive_a_restart()
    {
        using (var lib = fx.Load())
        {
            var slot = fx.FreshToken(lib, Slots.Persistence, "pin state");
            using var s = slot.OpenSession(SessionType.ReadWrite);
            s.Login(CKU.CKU_USER, EndToEndFixture.UserPin);
            s.SetPin(EndToEndFixture.UserPin, "11223344");
            s.Logout();
            AssertRv(CKR.CKR_PIN_INCORRECT, () => s.Login(CKU.CKU_USER, EndToEndFixture.UserPin));
            Assert.True(slot.GetTokenInfo().TokenFlags.UserPinCountLow);
        }

        Assert.Equal(0, fx.Daemon.Restart());

        using (var lib = fx.Load())
        {
            var slot = fx.Slot(lib, Slots.Persistence);
            Assert.True(slot.GetTokenInfo().TokenFlags.UserPinCountLow, "the failed login was not persisted");
            using var s = slot.OpenSession(SessionType.ReadWrite);
            AssertRv(CKR.CKR_PIN_INCORRECT, () => s.Login(CKU.CKU_USER, EndToEndFixture.UserPin));
            s.Login(CKU.CKU_USER, "11223344");
            s.Logout();
            Assert.False(slot.GetTokenInfo().TokenFlags.UserPinCountLow);
        }
    }

    [Fact]
    public void No_secret_key_value_or_PIN_in_the_SQLite_files()
    {
        // Distinctive PINs, so that a match cannot be a coincidence.
        const string soPin = "So-Pin-Zq8#Kx";
        const string userPin = "User-Pin-Wv3$Rj";
        var keyValue = RandomNumberGenerator.GetBytes(32);
        var hmacValue = RandomNumberGenerator.GetBytes(24);
        var block = Encoding.ASCII.GetBytes("at rest test blk");
        using (var lib = fx.Load())
        {
            var slot = fx.FreshToken(lib, Slots.SecretAtRest, "at rest", soPin, userPin);
            using var s = slot.OpenSession(SessionType.ReadWrite);
            s.Login(CKU.CKU_USER, userPin);
            ImportAesKey(s, keyValue, "secret at rest", token: true, sensitive: true, @private: true);
            s.CreateObject(T(A(CKA.CKA_CLASS, CKO.CKO_SECRET_KEY), A(CKA.CKA_KEY_TYPE, CKK.CKK_GENERIC_SECRET),
                A(CKA.CKA_TOKEN, true), A(CKA.CKA_PRIVATE, true), A(CKA.CKA_SENSITIVE, true), A(CKA.CKA_SIGN, true),
                A(CKA.CKA_VALUE, hmacValue), A(CKA.CKA_LABEL, "hmac at rest")));
        }

        var exitCode = fx.Daemon.Stop();
        try
        {
            Assert.True(exitCode == 0, $"ock-slotd exit code {exitCode}\n{fx.Daemon.OutputTail()}");
            var files = Directory.GetFiles(fx.Daemon.DataDir, "*", SearchOption.AllDirectories);
            Assert.Contains(files, f => Path.GetFileName(f) == "tokens.db");
            Assert.True(files.Sum(f => new FileInfo(f).Length) > 0);

            var needles = new List<(string What, byte[] Bytes)>
            {
                ("AES key value", keyValue),
                ("AES key value (first half)", keyValue[..16]),
                ("AES key value (hex)", Encoding.ASCII.GetBytes(Convert.ToHexString(keyValue))),
                ("AES key value (hex, lower case)", Encoding.ASCII.GetBytes(Convert.ToHexString(keyValue).ToLowerInvariant())),
                ("AES key value (base64)", Encoding.ASCII.GetBytes(Convert.ToBase64String(keyValue))),
                ("HMAC key value", hmacValue),
                ("HMAC key value (base64)", Encoding.ASCII.GetBytes(Convert.ToBase64String(hmacValue))),
                ("SO PIN", Encoding.UTF8.GetBytes(soPin)),
                ("User PIN", Encoding.UTF8.GetBytes(userPin)),
                ("User PIN (UTF-16)", Encoding.Unicode.GetBytes(userPin)),
                ("User PIN (base64)", Encoding.ASCII.GetBytes(Convert.ToBase64String(Encoding.UTF8.GetBytes(userPin)))),
            };
            var found = new List<string>();
            foreach (var file in files)
            {
                var content = File.ReadAllBytes(file);
                foreach (var (what, bytes) in needles)
                {
                    if (content.AsSpan().IndexOf(bytes) >= 0)
                        found.Add($"{what} in {Path.GetFileName(file)}");
                }
            }
            Assert.True(found.Count == 0, "secrets in the token store: " + string.Join("; ", found) +
                                          $"\nfiles: {string.Join(", ", files.Select(Path.GetFileName))}");
        }
        finally
        {
            fx.Daemon.Start();
        }

        // ... and the encrypted key still works after the restart.
        using (var lib = fx.Load())
        {
            using var s = fx.Slot(lib, Slots.SecretAtRest).OpenSession(SessionType.ReadOnly);
            s.Login(CKU.CKU_USER, userPin);
            var key = Assert.Single(FindByLabel(s, "secret at rest"));
            using var aes = Aes.Create();
            aes.Key = keyValue;
            Assert.Equal(Hex(aes.EncryptEcb(block, PaddingMode.None)), Hex(s.Encrypt(M(CKM.CKM_AES_ECB), key, block)));
            var hmac = Assert.Single(FindByLabel(s, "hmac at rest"));
            Assert.Equal(Hex(HMACSHA256.HashData(hmacValue, block)), Hex(s.Sign(M(CKM.CKM_SHA256_HMAC), hmac, block)));
            s.Logout();
        }
    }

    /// <summary>
    /// Public token objects (CKA_PRIVATE = FALSE) are made and used without a login, so the master key cannot seal them: their secret
    /// values are sealed under the token's object key, a file outside the database. Neither the journal nor the snapshot (taken after
    /// 1,000 events) in the raw SQLite files holds them, and after a restart the keys give the same answers, still without a login.
    /// </summary>
    [Fact]
    public void Secret_values_of_public_keys_are_in_no_SQLite_file_and_the_keys_work_after_a_restart()
    {
        var aesValue = RandomNumberGenerator.GetBytes(32);
        var readableValue = RandomNumberGenerator.GetBytes(32);
        var block = Encoding.ASCII.GetBytes("public key block");
        byte[] ecValue, ecPoint;
        using (var lib = fx.Load())
        {
            var slot = fx.FreshToken(lib, Slots.Persistence, "public at rest");
            using var s = slot.OpenSession(SessionType.ReadWrite); // no login: public objects only
            ImportAesKey(s, aesValue, "public sensitive aes", token: true, sensitive: true, @private: false);
            ImportAesKey(s, readableValue, "public readable aes", token: true, sensitive: false, @private: false);
            s.GenerateKeyPair(M(CKM.CKM_EC_KEY_PAIR_GEN),
                T(A(CKA.CKA_TOKEN, true), A(CKA.CKA_EC_PARAMS, P256Params), A(CKA.CKA_VERIFY, true), A(CKA.CKA_LABEL, "public ec")),
                T(A(CKA.CKA_TOKEN, true), A(CKA.CKA_PRIVATE, false), A(CKA.CKA_SENSITIVE, false), A(CKA.CKA_EXTRACTABLE, true),
                    A(CKA.CKA_SIGN, true), A(CKA.CKA_LABEL, "public ec")),
                out var ecPub, out var ecPriv);
            ecValue = Bytes(s, ecPriv, CKA.CKA_VALUE);
            ecPoint = Bytes(s, ecPub, CKA.CKA_EC_POINT);
            Assert.Equal(readableValue, Bytes(s, Assert.Single(FindByLabel(s, "public readable aes")), CKA.CKA_VALUE));
            // past snapshot-every (1000): the token's state goes into a snapshot too
            for (var i = 0; i < 1000; i++)
                s.CreateObject(T(A(CKA.CKA_CLASS, CKO.CKO_DATA), A(CKA.CKA_TOKEN, true), A(CKA.CKA_PRIVATE, false), A(CKA.CKA_LABEL, $"filler {i}")));
        }

        var exitCode = fx.Daemon.Stop();
        try
        {
            Assert.True(exitCode == 0, $"ock-slotd exit code {exitCode}\n{fx.Daemon.OutputTail()}");
            var files = Directory.GetFiles(fx.Daemon.DataDir, "*.db*"); // tokens.db (journal) and snapshots.db
            var contents = files.Select(File.ReadAllBytes).ToList();
            Assert.Contains(contents, c => c.AsSpan().IndexOf("TokenSnapshot.v3"u8) >= 0);
            var found = new List<string>();
            foreach (var (what, value) in new[] { ("AES key value", aesValue), ("readable AES key value", readableValue), ("EC private value", ecValue) })
            {
                var needles = new[] { value, value[..16], value[^16..], Encoding.ASCII.GetBytes(Convert.ToHexString(value)),
                    Encoding.ASCII.GetBytes(Convert.ToHexString(value).ToLowerInvariant()), Encoding.ASCII.GetBytes(Convert.ToBase64String(value)) };
                for (var i = 0; i < files.Length; i++)
                    if (needles.Any(n => contents[i].AsSpan().IndexOf(n) >= 0)) found.Add($"{what} in {Path.GetFileName(files[i])}");
            }

            Assert.True(found.Count == 0, "public secrets in the token store: " + string.Join("; ", found));
        }
        finally
        {
            fx.Daemon.Start();
        }

        using (var lib = fx.Load())
        {
            using var s = fx.Slot(lib, Slots.Persistence).OpenSession(SessionType.ReadOnly);
            var aes = Assert.Single(FindByLabel(s, "public sensitive aes"));
            using var expected = Aes.Create();
            expected.Key = aesValue;
            Assert.Equal(Hex(expected.EncryptEcb(block, PaddingMode.None)), Hex(s.Encrypt(M(CKM.CKM_AES_ECB), aes, block)));
            Assert.True(s.GetAttributeValue(aes, [CKA.CKA_VALUE])[0].CannotBeRead);
            Assert.Equal(readableValue, Bytes(s, Assert.Single(FindByLabel(s, "public readable aes")), CKA.CKA_VALUE));
            var ec = FindByLabel(s, "public ec");
            var priv = ec.Single(o => ULong(s, o, CKA.CKA_CLASS) == (ulong)CKO.CKO_PRIVATE_KEY);
            var pub = ec.Single(o => ULong(s, o, CKA.CKA_CLASS) == (ulong)CKO.CKO_PUBLIC_KEY);
            Assert.Equal(ecValue, Bytes(s, priv, CKA.CKA_VALUE));
            Assert.Equal(ecPoint, Bytes(s, pub, CKA.CKA_EC_POINT));
            var signature = s.Sign(M(CKM.CKM_ECDSA_SHA256), priv, block);
            s.Verify(M(CKM.CKM_ECDSA_SHA256), pub, block, signature, out var valid);
            Assert.True(valid);
        }
    }
}
