using OpenCryptokiActors.EndToEnd.Tests.Infrastructure;
using static OpenCryptokiActors.EndToEnd.Tests.Infrastructure.DaemonKit;

namespace OpenCryptokiActors.EndToEnd.Tests;

/// <summary>A private daemon with one initialised token and clients/pqcclient.c run once against it through the 3.2 function list.</summary>
public sealed class PqcClientDaemon : IDisposable
{
    public PqcClientDaemon()
    {
        Daemon = StartDaemon("pqc", [new SlotConfig(0, "pqc-token", "PKCS#11 3.2 token")], group: "pkcs11");
        InitToken(Daemon, 0, "pqc");
        var dir = NewDir("pqcclient");
        var client = Path.Combine(dir, "pqcclient");
        var source = Path.Combine(AppContext.BaseDirectory, "clients", "pqcclient.c");
        var build = ProcessRunner.Run("gcc", ["-O1", "-Wall", "-Werror", "-I/usr/include/p11-kit-1", "-o", client, source, "-ldl"],
            null, TimeSpan.FromSeconds(120));
        if (build.ExitCode != 0) throw new InvalidOperationException("gcc could not build pqcclient (needs gcc, libp11-kit-dev):\n" + build);
        Run = ProcessRunner.Run(client, [Repo.ModulePath, "0", UserPin], Env(Daemon.SocketPath), TimeSpan.FromSeconds(120));
    }

    public SlotDaemon Daemon { get; }

    /// <summary>The client's report: one line per check.</summary>
    public ProcessResult Run { get; }

    public void Dispose() => Discard(Daemon);
}

/// <summary>
/// PKCS#11 3.2 through the real module: CKM_HASH_ML_DSA_SHA256 and CKM_HASH_ML_DSA with CK_SIGN_ADDITIONAL_CONTEXT /
/// CK_HASH_SIGN_ADDITIONAL_CONTEXT (context, deterministic and hedged signing), and C_EncapsulateKey / C_DecapsulateKey with
/// CKM_RSA_PKCS_OAEP (the two keys encrypt and decrypt for each other; CKA_ENCAPSULATE / CKA_DECAPSULATE are enforced).
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class _47_PqcContextEncapsulationTest(PqcClientDaemon pqc) : IClassFixture<PqcClientDaemon>
{
    private void Line(string expected)
    {
        var r = pqc.Run;
        Assert.True(r.ExitCode == 0 && r.Stdout.Contains("DONE\n"), r + "\n" + pqc.Daemon.OutputTail());
        Assert.True(r.Stdout.Contains(expected + "\n"), $"expected line '{expected}' in\n{r.Stdout}");
    }

    [Fact]
    public void Hash_ml_dsa_signs_with_a_context_deterministically_or_hedged()
    {
        Line("hashmldsa-info sign=1 verify=1 min=1 max=3"); // CKP_ML_DSA_44 .. CKP_ML_DSA_87
        Line("hashmldsa-sign-deterministic rv=0x0 len=3309"); // ML-DSA-65
        Line("hashmldsa-deterministic-repeats=1");
        Line("hashmldsa-hedged-differs=1");
        Line("hashmldsa-verify rv=0x0");
        Line("hashmldsa-verify-hedged rv=0x0");
        Line("hashmldsa-verify-parts rv=0x0");
        Line("hashmldsa-verify-other-context rv=0xc0"); // CKR_SIGNATURE_INVALID: the context is signed
        Line("hashmldsa-verify-no-context rv=0xc0");
    }

    [Fact]
    public void Hash_ml_dsa_over_the_callers_digest_names_its_hash_in_the_parameter()
    {
        Line("hashmldsa-generic-sign rv=0x0 same=1"); // the same signature as CKM_HASH_ML_DSA_SHA256 over the message
        Line("hashmldsa-generic-verify rv=0x0");
        Line("hashmldsa-generic-short-digest rv=0x21"); // CKR_DATA_LEN_RANGE
    }

    [Fact]
    public void Signing_parameters_and_keys_are_checked()
    {
        Line("hashmldsa-sign-public-key rv=0x63"); // CKR_KEY_TYPE_INCONSISTENT
        Line("hashmldsa-context-256 rv=0x71"); // CKR_MECHANISM_PARAM_INVALID: at most 255 bytes
        Line("hashmldsa-context-255 rv=0x0");
        Line("hashmldsa-bad-hedge rv=0x71");
        Line("hashmldsa-generic-without-hash rv=0x71");
    }

    [Fact]
    public void Rsa_oaep_encapsulation_makes_the_same_key_on_both_sides()
    {
        Line("oaep-info encapsulate=1 decapsulate=1");
        Line("rsa-defaults encapsulate=1 decapsulate=1");
        Line("oaep-encapsulate-null rv=0x0 len=256 handle=0");
        Line("oaep-encapsulate rv=0x0 len=256 handle=1");
        Line("oaep-decapsulate rv=0x0 handle=1");
        Line("oaep-keys-agree rv=0x0 match=1");
        Line("oaep-ciphertext-decrypts rv=0x0 match=1");
    }

    [Fact]
    public void Rsa_oaep_encapsulation_errors_have_their_return_codes()
    {
        Line("oaep-decapsulate-tampered rv=0x40"); // CKR_ENCRYPTED_DATA_INVALID
        Line("oaep-encapsulate-not-permitted rv=0x68"); // CKR_KEY_FUNCTION_NOT_PERMITTED
        Line("oaep-decapsulate-not-permitted rv=0x68");
        Line("oaep-encapsulate-too-long rv=0xd1"); // CKR_TEMPLATE_INCONSISTENT: 2048-bit OAEP-SHA256 carries 190 bytes
    }
}
