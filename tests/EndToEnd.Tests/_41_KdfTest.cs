using System.Security.Cryptography;
using System.Text;
using OpenCryptokiActors.EndToEnd.Tests.Infrastructure;
using static OpenCryptokiActors.EndToEnd.Tests.Infrastructure.DaemonKit;

namespace OpenCryptokiActors.EndToEnd.Tests;

/// <summary>A private daemon with one initialised token, and clients/kdfclient.c run once against it; the tests read its report.</summary>
public sealed class KdfClientDaemon : IDisposable
{
    public KdfClientDaemon()
    {
        Daemon = StartDaemon("kdf", [new SlotConfig(0, "kdf-token", "SP 800-108 token")], group: "pkcs11");
        InitToken(Daemon, 0, "kdf");
        var dir = NewDir("kdfclient");
        var client = Path.Combine(dir, "kdfclient");
        var source = Path.Combine(AppContext.BaseDirectory, "clients", "kdfclient.c");
        var build = ProcessRunner.Run("gcc", ["-O1", "-Wall", "-Werror", "-I/usr/include/p11-kit-1", "-o", client, source, "-ldl"],
            null, TimeSpan.FromSeconds(120));
        if (build.ExitCode != 0) throw new InvalidOperationException("gcc could not build kdfclient (needs gcc, libp11-kit-dev):\n" + build);
        Run = ProcessRunner.Run(client, [Repo.ModulePath, "0", UserPin], Env(Daemon.SocketPath), TimeSpan.FromSeconds(60));
    }

    public SlotDaemon Daemon { get; }

    public ProcessResult Run { get; }

    public void Dispose() => Discard(Daemon);
}

/// <summary>
/// The SP 800-108 KDFs and the TLS/SSL3 master key derivations (their CK_VERSION output) through the real module from C: CK_SP800_108_KDF_PARAMS and CK_SP800_108_FEEDBACK_KDF_PARAMS are
/// flattened by the module, additional derived keys come back through CK_DERIVED_KEY.phKey, and the key values equal the
/// KDF computed here with .NET's HMAC-SHA256.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class _41_KdfTest(KdfClientDaemon kdf) : IClassFixture<KdfClientDaemon>
{
    private static readonly byte[] Base = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();
    private static readonly byte[] Label = Encoding.ASCII.GetBytes("label");

    private void Line(string expected)
    {
        var r = kdf.Run;
        Assert.True(r.ExitCode == 0 && r.Stdout.Contains("DONE\n"), r + "\n" + kdf.Daemon.OutputTail());
        Assert.True(r.Stdout.Contains(expected + "\n"), $"expected line '{expected}' in\n{r.Stdout}");
    }

    private static string Hex(IEnumerable<byte> b) => Convert.ToHexStringLower(b.ToArray());

    private static byte[] Prf(params byte[][] parts) => HMACSHA256.HashData(Base, parts.SelectMany(x => x).ToArray());

    [Fact]
    public void Counter_mode_derives_the_key_and_an_additional_key_from_their_own_segments()
    {
        // L = (16 + 40) * 8 = 448 as 16 bits; the AES key takes block 1, the 40-byte key blocks 2 and 3.
        byte[] Block(byte i) => Prf([0, 0, 0, i], Label, [0x01, 0xc0]);
        Line($"counter rv=0x0 distinct=1 key={Hex(Block(1)[..16])} extra={Hex(Block(2).Concat(Block(3)).Take(40))}");
    }

    [Fact]
    public void Feedback_mode_chains_from_the_iv()
    {
        var iv = Enumerable.Range(0xf0, 16).Select(i => (byte)i).ToArray();
        var k1 = Prf(iv, [1], Label);
        var k2 = Prf(k1, [2], Label);
        Line($"feedback rv=0x0 key={Hex(k1.Concat(k2).Take(48))}");
    }

    [Fact]
    public void Double_pipeline_mode_chains_a_separate_pipeline()
    {
        var a1 = Prf(Label);
        var a2 = Prf(a1);
        Line($"pipeline rv=0x0 key={Hex(Prf(a1, Label).Concat(Prf(a2, Label)).Take(48))}");
    }

    [Fact]
    public void Tls_and_ssl3_master_key_derivation_write_the_version_of_the_pre_master_secret_through_pVersion()
    {
        Line("tls12-master rv=0x0 version=3.3 handle=1");
        Line("tls12-master-no-version rv=0x0");
        Line("tls12-master-dh-with-version rv=0x71"); // the DH form returns no version
        Line("ssl3-master rv=0x0 version=3.0");
        Line("ssl3-master-short rv=0x71");
    }

    [Fact]
    public void Tls12_key_and_mac_derivation_writes_the_handles_and_ivs_into_CK_SSL3_KEY_MAT_OUT()
    {
        Line("tls12-keymat-null-iv-buffers rv=0x71");
        Line("tls12-keysafe rv=0x0 handles=1");
        var r = kdf.Run.Stdout;
        var masterLine = r.Split('\n').FirstOrDefault(l => l.StartsWith("tls12-readable-master rv=0x0 master=", StringComparison.Ordinal));
        Assert.True(masterLine is not null, r);
        var master = Convert.FromHexString(masterLine["tls12-readable-master rv=0x0 master=".Length..]);
        var clientRandom = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();
        var serverRandom = Enumerable.Range(0x80, 32).Select(i => (byte)i).ToArray();
        // The key block of RFC 5246 §6.3 by BouncyCastle's TLS PRF: MAC keys 32, keys 16, IVs 16 bytes each.
        var block = new Org.BouncyCastle.Tls.Crypto.Impl.BC.BcTlsCrypto(new Org.BouncyCastle.Security.SecureRandom()).CreateSecret(master)
            .DeriveUsingPrf(Org.BouncyCastle.Tls.PrfAlgorithm.tls_prf_sha256, "key expansion", (byte[])[.. serverRandom, .. clientRandom], 128).Extract();
        Line($"tls12-keymat rv=0x0 handles=1 clientmac={Hex(block[..32])} serverkey={Hex(block[80..96])} ivclient={Hex(block[96..112])} ivserver={Hex(block[112..128])}");
    }

    [Fact]
    public void Bad_parameters_answer_CKR_MECHANISM_PARAM_INVALID_and_clear_the_additional_handles()
    {
        Line("counter-width-12 rv=0x71 extra-reset=1");
        Line("counter-null-phkey rv=0x71");
        Line("counter-wrong-size rv=0x71");
    }
}
