using System.Security.Cryptography;
using System.Text;
using OpenCryptokiActors.EndToEnd.Tests.Infrastructure;
using static OpenCryptokiActors.EndToEnd.Tests.Infrastructure.DaemonKit;

namespace OpenCryptokiActors.EndToEnd.Tests;

/// <summary>
/// A private daemon with a default slot (0) and a slot whose policy has legacy = on (1), and clients/conformclient.c run
/// once against it with the known-answer inputs of tests/testdata/openssl-vectors.txt; the tests read its report.
/// </summary>
public sealed class ConformClientDaemon : IDisposable
{
    public ConformClientDaemon()
    {
        Daemon = StartDaemon("conform",
        [
            new SlotConfig(0, "conform-token", "Default policy"),
            new SlotConfig(1, "legacy-token", "Legacy policy", Policy: "legacy = on"),
        ], group: "pkcs11");
        InitToken(Daemon, 0, "conform");
        InitToken(Daemon, 1, "legacy");
        var dir = NewDir("conformclient");
        var client = Path.Combine(dir, "conformclient");
        var source = Path.Combine(AppContext.BaseDirectory, "clients", "conformclient.c");
        var build = ProcessRunner.Run("gcc", ["-O1", "-Wall", "-Werror", "-I/usr/include/p11-kit-1", "-o", client, source, "-ldl"],
            null, TimeSpan.FromSeconds(120));
        if (build.ExitCode != 0) throw new InvalidOperationException("gcc could not build conformclient (needs gcc, libp11-kit-dev):\n" + build);

        using var ec = ECDiffieHellman.Create();
        ec.ImportPkcs8PrivateKey(Vectors["a.p8"], out _);
        using var rsa = RSA.Create();
        rsa.ImportPkcs8PrivateKey(Vectors["rsa512.p8"], out _);
        var r = rsa.ExportParameters(true);
        string[] rsaArgs = [.. new[] { r.Modulus!, r.Exponent!, r.D!, r.P!, r.Q!, r.DP!, r.DQ!, r.InverseQ! }.Select(Convert.ToHexString)];
        Run = ProcessRunner.Run(client, [Repo.ModulePath, "0", "1", UserPin, Convert.ToHexString(ec.ExportParameters(true).D!),
            Convert.ToHexString(Vectors["b.point"]), .. rsaArgs], Env(Daemon.SocketPath), TimeSpan.FromSeconds(90));
    }

    /// <summary>name = hex lines of tests/testdata/openssl-vectors.txt (OpenSSL 3.0 answers).</summary>
    public static IReadOnlyDictionary<string, byte[]> Vectors { get; } = File.ReadAllLines(Path.Combine(Repo.Root, "tests", "testdata", "openssl-vectors.txt"))
        .Where(l => !l.StartsWith('#') && l.Contains('='))
        .ToDictionary(l => l[..l.IndexOf('=')].Trim(), l => Convert.FromHexString(l[(l.IndexOf('=') + 1)..].Trim()));

    public SlotDaemon Daemon { get; }

    public ProcessResult Run { get; }

    public void Dispose() => Discard(Daemon);
}

/// <summary>
/// The mechanisms of openCryptoki's soft token this module gained, through the real module from C: the IBM SHA-3 numbers
/// (FIPS 202 and OpenSSL answers), ECDH with CKD_SHA256_KDF_SP800 (OpenSSL's SSKDF answer), CKM_AES_KEY_WRAP_PKCS7 (OpenSSL's
/// id-aes128-wrap of the padded data), CKM_PUB_KEY_FROM_PRIV_KEY, an ML-DSA key from its CKA_SEED alone, and the legacy switch: MD2 and a 512-bit RSA key are
/// refused on the default slot and work (RFC 1319, OpenSSL's signature) on the slot whose policy has legacy = on.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class _49_ConformanceMechanismsTest(ConformClientDaemon c) : IClassFixture<ConformClientDaemon>
{
    private static string Hex(byte[] b) => Convert.ToHexStringLower(b);

    private static byte[] V(string name) => ConformClientDaemon.Vectors[name];

    private void Line(string expected)
    {
        var r = c.Run;
        Assert.True(r.ExitCode == 0 && r.Stdout.Contains("DONE\n"), r + "\n" + c.Daemon.OutputTail());
        Assert.True(r.Stdout.Contains(expected + "\n"), $"expected line '{expected}' in\n{r.Stdout}");
    }

    [Fact]
    public void Ibm_sha3_digest_and_hmac_are_sha3()
    {
        Line("ibm-sha3-256 rv=0x0 digest=3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532");
        Line($"ibm-sha3-256-hmac rv=0x0 mac={Hex(V("hmac_sha3_256_hi"))}");
    }

    [Fact]
    public void Ecdh_with_the_sp800_kdf_derives_openssls_sskdf_answer()
    {
        Line($"ecdh-sp800 rv=0x0 key={Hex(V("sskdf_sha256"))}");
        Line($"ecdh-cofactor-sp800 rv=0x0 key={Hex(V("sskdf_sha256"))}");
    }

    [Fact]
    public void Aes_key_wrap_pkcs7_encrypts_as_openssl_and_wraps_and_unwraps_a_key()
    {
        Line($"kw-pkcs7-encrypt rv=0x0 out={Hex(V("kw_pkcs7_8"))}");
        // 20 bytes pad to 24, RFC 3394 adds 8.
        Line($"kw-pkcs7-wrap rv=0x0 len=32 unwrap=0x0 value={string.Concat(Enumerable.Repeat("42", 20))}");
    }

    [Fact]
    public void Public_key_from_private_key_gives_the_generated_public_point()
    {
        // CKA_VERIFY follows the private key's CKA_SIGN; the private key's CKA_DERIVE FALSE does not stop it.
        Line("pub-from-priv rv=0x0 same=1 class=2 verify=1");
    }

    [Fact]
    public void An_ml_dsa_key_created_from_its_seed_alone_signs_and_its_derived_public_key_verifies()
    {
        // The public key of seed 01..20, as BouncyCastle's FIPS 204 key generation from the seed gives it.
        var seed = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();
        var expected = Org.BouncyCastle.Crypto.Parameters.MLDsaPrivateKeyParameters
            .FromSeed(Org.BouncyCastle.Crypto.Parameters.MLDsaParameters.ml_dsa_44, seed).GetPublicKeyEncoded();
        var line = c.Run.Stdout.Split('\n').FirstOrDefault(l => l.StartsWith("mldsa-seed ", StringComparison.Ordinal)) ?? "";
        Assert.StartsWith("mldsa-seed create=0x0 value-read=", line);
        Assert.EndsWith($" derive=0x0 sign=0x0 len=2420 verify=0x0 pub={Hex(expected)}", line);
    }

    [Fact]
    public void Legacy_mechanisms_and_small_rsa_keys_work_only_where_the_policy_allows_them()
    {
        Line("md2-default rv=0x70");
        Line("md2-info-default rv=0x70");
        Line("rsa512-default create=0x0 rv=0x62");
        Line("md2-legacy rv=0x0 digest=da853b0d3f88d99b30283a69e6ded6bb");
        Line("ripemd160-legacy rv=0x0 digest=8eb208f7e05d987a9b044a8e98c6b087f15a0bfc");
        Line("rsa-info-legacy rv=0x0 min=512");
        Line($"rsa512-legacy create=0x0 rv=0x0 sig={Hex(V("sig512_sha256"))}");
        Assert.Equal("OpenCryptokiActors known answer", Encoding.ASCII.GetString(V("msg")));
    }
}
