using System.Security.Cryptography;
using OpenCryptokiActors.EndToEnd.Tests.Infrastructure;
using OpenCryptokiActors.Interop.Tests.Infrastructure;

namespace OpenCryptokiActors.Interop.Tests;

/// <summary>
/// OpenSC's pkcs11-tool (Debian opensc 0.23), the full round: its self tests, key generation of every type it offers
/// that the token supports, sign/verify, encrypt/decrypt, wrap/unwrap, derive, and objects written and read. Results
/// are checked by pkcs11-tool itself and, where the data leaves the token, by openssl.
/// </summary>
[Collection(InteropCollection.Name)]
public sealed class Pkcs11ToolRoundTests(InteropFixture fx)
{
    private static string Hex(byte[] b) => Convert.ToHexString(b).ToLowerInvariant();

    private static byte[] RandomFile(Token t, string name, int length)
    {
        var bytes = RandomNumberGenerator.GetBytes(length);
        File.WriteAllBytes(t.File(name), bytes);
        return bytes;
    }

    [Fact]
    public void Self_tests_test_and_test_threads_and_test_fork_pass()
    {
        var t = fx.Fresh("tool-test");
        t.Pkcs11ToolUser("--keypairgen", "--key-type", "rsa:2048", "--id", "01", "--label", "rsa-test");
        t.Pkcs11ToolUser("--keypairgen", "--key-type", "EC:prime256v1", "--id", "02", "--label", "ec-test");

        // --allow-sw: a soft token's mechanisms have no CKF_HW, and without it --test skips the signatures.
        var test = t.Pkcs11ToolUser("--test", "--allow-sw");
        Assert.Contains("No errors", test.Stdout);
        Assert.Contains("all 4 digest functions seem to work", test.Stdout);
        Assert.Contains("all 4 signature functions seem to work", test.Stdout);
        Assert.DoesNotContain("ERR", test.Stdout);

        // Threads: each C_Initialize(CKF_OS_LOCKING_OK), C_GetInfo, C_GetSlotList, C_GetTokenInfo, while the main
        // thread lists slots, mechanisms and objects (OpenSC's own tests/test-pkcs11-tool-test-threads.sh).
        var threads = t.Pkcs11ToolUser("--test-threads", "ILGISLT0", "--test-threads", "ILGISLT0", "-L", "-M", "-O");
        Assert.Contains("test_threads all threads have ended with CKR_OK", threads.Output);
        Assert.Contains("Test thread 0 C_GetTokenInfo from slot_index 0 using show_token", threads.Output);
        Assert.Contains("Test thread 1 C_GetTokenInfo from slot_index 0 using show_token", threads.Output);

        var fork = t.Pkcs11Tool("--test-fork");
        Assert.Contains("*** Calling C_Initialize in forked child process ***", fork.Output);
    }

    /// <summary>
    /// Every type pkcs11-tool 0.23 offers for --keypairgen that the soft token supports, with how pkcs11-tool shows
    /// the private and the public key. Not here: EC:curve25519 (pkcs11-tool 0.23 sends a malformed CKA_EC_PARAMS,
    /// PrintableString length 11 around the 10 bytes "curve25519", which the token refuses), secp192k1 and GOST
    /// (curves/mechanisms the token does not have), DES/DES3 (no DES in the token).
    /// </summary>
    public static readonly (string KeyType, string Private, string Public)[] KeyPairTypes =
    [
        ("rsa:1024", "RSA", "RSA 1024 bits"), ("rsa:2048", "RSA", "RSA 2048 bits"), ("rsa:3072", "RSA", "RSA 3072 bits"),
        ("rsa:4096", "RSA", "RSA 4096 bits"),
        ("EC:prime192v1", "EC", "EC  EC_POINT 192 bits"), ("EC:secp224r1", "EC", "EC  EC_POINT 224 bits"),
        ("EC:prime256v1", "EC", "EC  EC_POINT 256 bits"), ("EC:secp384r1", "EC", "EC  EC_POINT 384 bits"),
        ("EC:secp521r1", "EC", "EC  EC_POINT 528 bits"), ("EC:secp256k1", "EC", "EC  EC_POINT 256 bits"),
        ("EC:brainpoolP192r1", "EC", "EC  EC_POINT 192 bits"), ("EC:brainpoolP224r1", "EC", "EC  EC_POINT 224 bits"),
        ("EC:brainpoolP256r1", "EC", "EC  EC_POINT 256 bits"), ("EC:brainpoolP320r1", "EC", "EC  EC_POINT 320 bits"),
        ("EC:brainpoolP384r1", "EC", "EC  EC_POINT 384 bits"), ("EC:brainpoolP512r1", "EC", "EC  EC_POINT 512 bits"),
        ("EC:edwards25519", "EC_EDWARDS", "EC_EDWARDS  EC_POINT 255 bits"),
    ];

    public static readonly (string KeyType, string Shown)[] SecretKeyTypes =
    [
        ("AES:16", "AES length 16"), ("AES:24", "AES length 24"), ("AES:32", "AES length 32"), ("GENERIC:32", "Generic secret length 32"),
    ];

    [Fact]
    public void Keypairgen_and_keygen_of_every_supported_type()
    {
        var t = fx.Fresh("tool-keygen");
        var id = 0x10;
        foreach (var (keyType, privateShown, publicShown) in KeyPairTypes)
        {
            var r = t.Pkcs11ToolUser("--keypairgen", "--key-type", keyType, "--id", (id++).ToString("x2"), "--label", "kp " + keyType);
            Assert.Contains("Key pair generated:", r.Stdout);
            Assert.Contains("Private Key Object; " + privateShown, r.Stdout);
            Assert.Contains("Public Key Object; " + publicShown, r.Stdout);
        }
        foreach (var (keyType, shown) in SecretKeyTypes)
        {
            var r = t.Pkcs11ToolUser("--keygen", "--key-type", keyType, "--id", (id++).ToString("x2"), "--label", "sk " + keyType);
            Assert.Contains("Key generated:", r.Stdout);
            Assert.Contains("Secret Key Object; " + shown, r.Stdout);
        }
        var objects = t.Pkcs11ToolUser("-O");
        foreach (var (keyType, _, _) in KeyPairTypes)
            Assert.Equal(2, objects.Stdout.Split('\n').Count(l => l.Trim() == "label:      kp " + keyType));
        foreach (var (keyType, _) in SecretKeyTypes)
            Assert.Single(objects.Stdout.Split('\n'), l => l.Trim() == "label:      sk " + keyType);
    }

    [Fact]
    public void Sign_and_verify_with_every_key_kind_checked_by_openssl()
    {
        var t = fx.Fresh("tool-sign");
        t.Pkcs11ToolUser("--keypairgen", "--key-type", "rsa:2048", "--id", "01", "--label", "rsa");
        t.Pkcs11ToolUser("--keypairgen", "--key-type", "EC:prime256v1", "--id", "02", "--label", "p256");
        t.Pkcs11ToolUser("--keypairgen", "--key-type", "EC:secp384r1", "--id", "03", "--label", "p384");
        t.Pkcs11ToolUser("--keypairgen", "--key-type", "EC:brainpoolP256r1", "--id", "04", "--label", "bp256");
        t.Pkcs11ToolUser("--keypairgen", "--key-type", "EC:secp256k1", "--id", "05", "--label", "k256");
        t.Pkcs11ToolUser("--keypairgen", "--key-type", "EC:edwards25519", "--id", "06", "--label", "ed25519");
        t.Pkcs11ToolUser("--keygen", "--key-type", "GENERIC:32", "--id", "07", "--label", "hmac");
        RandomFile(t, "data.bin", 100); // RSA-PKCS signs the data itself: at most modulus - 11 bytes
        var data = t.File("data.bin");

        // (key id, mechanism, openssl dgst options to check it; null = pkcs11-tool's own verify only)
        var cases = new (string Id, string Mechanism, string[]? OpenSsl)[]
        {
            ("01", "SHA256-RSA-PKCS", ["-sha256"]),
            ("01", "SHA512-RSA-PKCS", ["-sha512"]),
            ("01", "SHA256-RSA-PKCS-PSS", ["-sha256", "-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:32"]),
            ("01", "SHA3-256-RSA-PKCS", ["-sha3-256"]),
            ("01", "RSA-PKCS", null),
            ("02", "ECDSA-SHA256", ["-sha256"]),
            ("03", "ECDSA-SHA384", ["-sha384"]),
            // brainpool and secp256k1: no tool here exports the public key (pkcs11-tool 0.23: "cannot create
            // EVP_PKEY"; GnuTLS: "The curve is unsupported"), so pkcs11-tool's own verify only.
            ("04", "ECDSA-SHA256", null),
            ("05", "ECDSA-SHA256", null),
            ("06", "EDDSA", null),
            ("07", "SHA256-HMAC", null),
            ("07", "SHA512-HMAC", null),
        };
        foreach (var (id, mechanism, openssl) in cases)
        {
            var sig = t.File($"{id}-{mechanism}.sig");
            string[] format = id is "02" or "03" or "04" or "05" ? ["--signature-format", "openssl"] : [];
            var sign = t.Pkcs11ToolUser(["--sign", "--mechanism", mechanism, "--id", id, "--input-file", data, "--output-file", sig, .. format]);
            Assert.Contains("Using signature algorithm " + mechanism, sign.Output);
            var verify = t.Pkcs11ToolUser(["--verify", "--mechanism", mechanism, "--id", id, "--input-file", data, "--signature-file", sig, .. format]);
            Assert.Contains("Signature is valid", verify.Output);
            if (openssl is null) continue;
            var pub = t.PublicKeyPem(id);
            var ossl = t.Ok("openssl", ["dgst", .. openssl, "-verify", pub, "-signature", sig, data]);
            Assert.Contains("Verified OK", ossl.Stdout);
        }

        // A signature over other data is refused.
        File.AppendAllText(data, "x");
        var bad = ProcessRunner.Run(Tools.Find("pkcs11-tool"), ["--module", t.Module, "--slot", t.Slot.ToString(), "--verify",
            "--mechanism", "SHA256-RSA-PKCS", "--id", "01", "--input-file", data, "--signature-file", t.File("01-SHA256-RSA-PKCS.sig")],
            t.Env(), Token.Timeout);
        Assert.Contains("Invalid signature", bad.Output);
    }

    [Fact]
    public void Encrypt_and_decrypt_AES_and_RSA_checked_by_openssl()
    {
        var t = fx.Fresh("tool-crypt");
        var key = RandomFile(t, "aes.key", 32);
        t.Pkcs11ToolUser("--write-object", t.File("aes.key"), "--type", "secrkey", "--key-type", "AES:32", "--id", "01",
            "--label", "aes", "--usage-decrypt", "--extractable");
        RandomFile(t, "plain.bin", 64);
        const string iv = "000102030405060708090a0b0c0d0e0f";
        foreach (var (mechanism, cipher, pad) in new[] { ("AES-CBC", "aes-256-cbc", false), ("AES-CBC-PAD", "aes-256-cbc", true), ("AES-ECB", "aes-256-ecb", false) })
        {
            string[] ivArg = mechanism == "AES-ECB" ? [] : ["--iv", iv];
            var enc = t.File(mechanism + ".enc");
            t.Pkcs11ToolUser(["--encrypt", "--mechanism", mechanism, "--id", "01", "--input-file", t.File("plain.bin"), "--output-file", enc, .. ivArg]);
            var ossl = t.File(mechanism + ".openssl");
            t.Ok("openssl", ["enc", "-" + cipher, "-e", "-K", Hex(key), .. mechanism == "AES-ECB" ? Array.Empty<string>() : ["-iv", iv],
                .. pad ? Array.Empty<string>() : ["-nopad"], "-in", t.File("plain.bin"), "-out", ossl]);
            Assert.Equal(File.ReadAllBytes(ossl), File.ReadAllBytes(enc));
            var dec = t.File(mechanism + ".dec");
            t.Pkcs11ToolUser(["--decrypt", "--mechanism", mechanism, "--id", "01", "--input-file", enc, "--output-file", dec, .. ivArg]);
            Assert.Equal(File.ReadAllBytes(t.File("plain.bin")), File.ReadAllBytes(dec));
        }

        // RSA: openssl encrypts to the token's public key, the token decrypts.
        t.Pkcs11ToolUser("--keypairgen", "--key-type", "rsa:2048", "--id", "02", "--label", "rsa", "--usage-decrypt");
        t.Pkcs11Tool("--read-object", "--type", "pubkey", "--id", "02", "--output-file", t.File("rsa.pub.der"));
        var secret = RandomFile(t, "secret.bin", 32);
        foreach (var (mechanism, opts) in new[]
                 {
                     ("RSA-PKCS", new[] { "rsa_padding_mode:pkcs1" }),
                     ("RSA-PKCS-OAEP", ["rsa_padding_mode:oaep", "rsa_oaep_md:sha256", "rsa_mgf1_md:sha256"]),
                 })
        {
            var enc = t.File(mechanism + ".rsa");
            t.Ok("openssl", ["pkeyutl", "-encrypt", "-pubin", "-keyform", "DER", "-inkey", t.File("rsa.pub.der"),
                .. opts.SelectMany(o => new[] { "-pkeyopt", o }), "-in", t.File("secret.bin"), "-out", enc]);
            var dec = t.File(mechanism + ".dec");
            var r = t.Pkcs11ToolUser(["--decrypt", "--mechanism", mechanism, "--id", "02", "--input-file", enc, "--output-file", dec,
                .. mechanism == "RSA-PKCS-OAEP" ? new[] { "--hash-algorithm", "SHA256", "--mgf", "MGF1-SHA256" } : []]);
            Assert.Contains("Using decrypt algorithm " + mechanism, r.Output);
            Assert.Equal(secret, File.ReadAllBytes(dec));
        }
    }

    [Fact]
    public void Wrap_and_unwrap_with_AES_key_wrap_and_RSA_checked_by_openssl()
    {
        var t = fx.Fresh("tool-wrap");
        var kek = RandomFile(t, "kek.key", 32);
        var target = RandomFile(t, "target.key", 32);
        t.Pkcs11ToolUser("--write-object", t.File("kek.key"), "--type", "secrkey", "--key-type", "AES:32", "--id", "0101",
            "--label", "kek", "--usage-wrap", "--extractable");
        t.Pkcs11ToolUser("--write-object", t.File("target.key"), "--type", "secrkey", "--key-type", "AES:32", "--id", "0102",
            "--label", "target", "--extractable");

        // AES key wrap (RFC 3394): the same bytes as openssl's id-aes256-wrap, and unwrapped back to the same key.
        var wrapped = t.File("kw.bin");
        var wrap = t.Pkcs11ToolUser("--wrap", "--mechanism", "AES-KEY-WRAP", "--id", "0101", "--application-id", "0102", "--output-file", wrapped);
        Assert.Contains("Key wrapped", wrap.Output);
        t.Ok("openssl", "enc", "-id-aes256-wrap", "-e", "-K", Hex(kek), "-iv", "a6a6a6a6a6a6a6a6", "-in", t.File("target.key"), "-out", t.File("kw.openssl"));
        Assert.Equal(File.ReadAllBytes(t.File("kw.openssl")), File.ReadAllBytes(wrapped));
        var unwrap = t.Pkcs11ToolUser("--unwrap", "--mechanism", "AES-KEY-WRAP", "--id", "0101", "--application-id", "0103",
            "--application-label", "unwrapped-kw", "--key-type", "AES:", "--input-file", wrapped, "--extractable");
        Assert.Contains("Secret Key Object; AES length 32", unwrap.Stdout);
        t.Pkcs11ToolUser("--read-object", "--type", "secrkey", "--id", "0103", "--output-file", t.File("kw.read"));
        Assert.Equal(target, File.ReadAllBytes(t.File("kw.read")));

        // RSA: openssl wraps (encrypts) a key for the token's public key; the token unwraps it. The token wraps an AES
        // key with RSA-PKCS, and decrypting that gives the key.
        t.Pkcs11ToolUser("--keypairgen", "--key-type", "rsa:2048", "--id", "0201", "--label", "rsa-wrap", "--usage-wrap", "--usage-decrypt");
        t.Pkcs11Tool("--read-object", "--type", "pubkey", "--id", "0201", "--output-file", t.File("rsa.pub.der"));
        t.Ok("openssl", "pkeyutl", "-encrypt", "-pubin", "-keyform", "DER", "-inkey", t.File("rsa.pub.der"),
            "-in", t.File("target.key"), "-out", t.File("rsa-wrapped.bin"));
        t.Pkcs11ToolUser("--unwrap", "--mechanism", "RSA-PKCS", "--id", "0201", "--application-id", "0202",
            "--application-label", "unwrapped-rsa", "--key-type", "AES:", "--input-file", t.File("rsa-wrapped.bin"), "--extractable");
        t.Pkcs11ToolUser("--read-object", "--type", "secrkey", "--id", "0202", "--output-file", t.File("rsa.read"));
        Assert.Equal(target, File.ReadAllBytes(t.File("rsa.read")));

        t.Pkcs11ToolUser("--wrap", "--mechanism", "RSA-PKCS", "--id", "0201", "--application-id", "0102", "--output-file", t.File("token-rsa-wrapped.bin"));
        t.Pkcs11ToolUser("--decrypt", "--mechanism", "RSA-PKCS", "--id", "0201", "--input-file", t.File("token-rsa-wrapped.bin"),
            "--output-file", t.File("token-rsa-wrapped.dec"));
        Assert.Equal(target, File.ReadAllBytes(t.File("token-rsa-wrapped.dec")));

        // The unwrapped key works: AES-CBC under it equals openssl's.
        RandomFile(t, "plain.bin", 32);
        t.Pkcs11ToolUser("--encrypt", "--mechanism", "AES-CBC", "--id", "0103", "--iv", "00000000000000000000000000000000",
            "--input-file", t.File("plain.bin"), "--output-file", t.File("plain.enc"));
        t.Ok("openssl", "enc", "-aes-256-cbc", "-e", "-nopad", "-K", Hex(target), "-iv", "00000000000000000000000000000000",
            "-in", t.File("plain.bin"), "-out", t.File("plain.openssl"));
        Assert.Equal(File.ReadAllBytes(t.File("plain.openssl")), File.ReadAllBytes(t.File("plain.enc")));
    }

    [Fact]
    public void Derive_ECDH_agrees_with_openssl()
    {
        var t = fx.Fresh("tool-derive");
        foreach (var (keyType, id, opensslAlgorithm) in new[]
                 {
                     ("EC:prime256v1", "01", new[] { "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256" }),
                     ("EC:secp384r1", "02", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"]),
                     ("EC:secp521r1", "03", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-521"]),
                 })
        {
            t.Pkcs11ToolUser("--keypairgen", "--key-type", keyType, "--id", id, "--label", "ecdh-" + id, "--usage-derive");
            var peer = t.File(id + ".peer.pem");
            t.Ok("openssl", ["genpkey", .. opensslAlgorithm, "-out", peer]);
            t.Ok("openssl", "pkey", "-in", peer, "-pubout", "-outform", "DER", "-out", t.File(id + ".peer.der"));
            var secret = t.File(id + ".secret");
            var derive = t.Pkcs11ToolUser("--derive", "--mechanism", "ECDH1-DERIVE", "--id", id, "--input-file", t.File(id + ".peer.der"),
                "--output-file", secret);
            Assert.Contains("ECDH1-DERIVE", derive.Output);

            // openssl derives the same secret from the peer's private key and the token's public key.
            t.Ok("openssl", "pkeyutl", "-derive", "-inkey", peer, "-peerkey", t.PublicKeyPem(id), "-out", t.File(id + ".openssl"));
            var expected = File.ReadAllBytes(t.File(id + ".openssl"));
            Assert.True(expected.Length >= 32, keyType);
            Assert.Equal(expected, File.ReadAllBytes(secret));
        }
    }

    [Fact]
    public void Write_and_read_keys_certificates_and_data_objects()
    {
        var t = fx.Fresh("tool-objects");
        // An RSA and an EC key made by openssl, with a certificate: imported, read back, used.
        foreach (var (name, id, algorithm, mechanism, digest) in new[]
                 {
                     ("imported-rsa", "11", new[] { "-newkey", "rsa:2048" }, "SHA256-RSA-PKCS", "-sha256"),
                     ("imported-ec", "12", ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"], "ECDSA-SHA256", "-sha256"),
                 })
        {
            var pem = t.File(name + ".pem");
            var certDer = t.File(name + ".crt.der");
            t.Ok("openssl", ["req", "-x509", .. algorithm, "-nodes", "-keyout", pem, "-subj", "/CN=" + name, "-days", "3", "-outform", "DER", "-out", certDer]);
            t.Ok("openssl", "pkey", "-in", pem, "-outform", "DER", "-out", t.File(name + ".key.der"));
            t.Ok("openssl", "pkey", "-in", pem, "-pubout", "-outform", "DER", "-out", t.File(name + ".pub.der"));

            var wc = t.Pkcs11ToolUser("--write-object", certDer, "--type", "cert", "--id", id, "--label", name);
            Assert.Contains("Certificate Object; type = X.509 cert", wc.Stdout);
            Assert.Contains("subject:    DN: CN=" + name, wc.Stdout);
            var wk = t.Pkcs11ToolUser("--write-object", t.File(name + ".key.der"), "--type", "privkey", "--id", id, "--label", name, "--usage-sign");
            Assert.Contains("Private Key Object", wk.Stdout);
            var wp = t.Pkcs11ToolUser("--write-object", t.File(name + ".pub.der"), "--type", "pubkey", "--id", id, "--label", name);
            Assert.Contains("Public Key Object", wp.Stdout);

            t.Pkcs11Tool("--read-object", "--type", "cert", "--id", id, "--output-file", t.File(name + ".crt.read"));
            Assert.Equal(File.ReadAllBytes(certDer), File.ReadAllBytes(t.File(name + ".crt.read")));
            t.Pkcs11Tool("--read-object", "--type", "pubkey", "--id", id, "--output-file", t.File(name + ".pub.read"));
            Assert.Equal(File.ReadAllBytes(t.File(name + ".pub.der")), File.ReadAllBytes(t.File(name + ".pub.read")));

            // The imported private key signs; openssl verifies with the certificate.
            var data = t.File(name + ".txt");
            File.WriteAllText(data, "signed by an imported key\n");
            string[] format = mechanism.StartsWith("ECDSA", StringComparison.Ordinal) ? ["--signature-format", "openssl"] : [];
            t.Pkcs11ToolUser(["--sign", "--mechanism", mechanism, "--id", id, "--input-file", data, "--output-file", data + ".sig", .. format]);
            t.Ok("openssl", "x509", "-inform", "DER", "-in", certDer, "-pubkey", "-noout", "-out", t.File(name + ".cert.pub"));
            Assert.Contains("Verified OK", t.Ok("openssl", "dgst", digest, "-verify", t.File(name + ".cert.pub"), "-signature", data + ".sig", data).Stdout);
        }

        // Data objects: a public one and a private one (visible only after login).
        File.WriteAllText(t.File("public.txt"), "public data object\n");
        File.WriteAllText(t.File("private.txt"), "private data object\n");
        var wd = t.Pkcs11ToolUser("--write-object", t.File("public.txt"), "--type", "data", "--label", "pubdata", "--application-label", "app-public");
        Assert.Contains("Data object", wd.Stdout);
        t.Pkcs11ToolUser("--write-object", t.File("private.txt"), "--type", "data", "--label", "privdata", "--application-label", "app-private", "--private");
        t.Pkcs11Tool("--read-object", "--type", "data", "--application-label", "app-public", "--output-file", t.File("public.read"));
        Assert.Equal("public data object\n", File.ReadAllText(t.File("public.read")));
        t.Pkcs11ToolUser("--read-object", "--type", "data", "--application-label", "app-private", "--output-file", t.File("private.read"));
        Assert.Equal("private data object\n", File.ReadAllText(t.File("private.read")));
        var anonymous = t.Pkcs11Tool("-O");
        Assert.Contains("app-public", anonymous.Stdout);
        Assert.DoesNotContain("app-private", anonymous.Stdout);
        Assert.Contains("app-private", t.Pkcs11ToolUser("-O").Stdout);

        // Deleted objects are gone.
        t.Pkcs11ToolUser("--delete-object", "--type", "data", "--application-label", "app-public");
        t.Pkcs11ToolUser("--delete-object", "--type", "cert", "--id", "11");
        var after = t.Pkcs11ToolUser("-O");
        Assert.DoesNotContain("app-public", after.Stdout);
        Assert.DoesNotContain("subject:    DN: CN=imported-rsa", after.Stdout);
        Assert.Contains("subject:    DN: CN=imported-ec", after.Stdout);
    }
}
