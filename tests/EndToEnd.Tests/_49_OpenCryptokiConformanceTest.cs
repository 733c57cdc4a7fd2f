using OpenCryptokiActors.EndToEnd.Tests.Infrastructure;
using static OpenCryptokiActors.EndToEnd.Tests.Infrastructure.DaemonKit;

namespace OpenCryptokiActors.EndToEnd.Tests;

/// <summary>A private daemon with one initialised token, and clients/opencryptokiclient.c run once against it.</summary>
public sealed class ConformanceDaemon : IDisposable
{
    public ConformanceDaemon()
    {
        Daemon = StartDaemon("conform", [new SlotConfig(0, "conform-token", "openCryptoki conformance")], group: "pkcs11");
        InitToken(Daemon, 0, "conform");
        var dir = NewDir("opencryptokiclient");
        var client = Path.Combine(dir, "opencryptokiclient");
        var source = Path.Combine(AppContext.BaseDirectory, "clients", "opencryptokiclient.c");
        var build = ProcessRunner.Run("gcc", ["-O1", "-Wall", "-Werror", "-I/usr/include/p11-kit-1", "-o", client, source, "-ldl"],
            null, TimeSpan.FromSeconds(120));
        if (build.ExitCode != 0) throw new InvalidOperationException("gcc could not build opencryptokiclient (needs gcc, libp11-kit-dev):\n" + build);
        Run = ProcessRunner.Run(client, [Repo.ModulePath, "0", UserPin], Env(Daemon.SocketPath), TimeSpan.FromSeconds(120));
    }

    public SlotDaemon Daemon { get; }

    public ProcessResult Run { get; }

    public void Dispose() => Discard(Daemon);
}

/// <summary>
/// What programs written for openCryptoki 3.27 expect, through the real module: its interfaces (PKCS#11 3.0 §5.4.5–5.4.6),
/// C_IBM_ReencryptSingle, its IBM vendor attributes, and the spec's rules for attribute arrays (§5.7.5), raw RSA
/// (CKM_RSA_X_509) and CKM_CONCATENATE_BASE_AND_KEY.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class _49_OpenCryptokiConformanceTest(ConformanceDaemon d) : IClassFixture<ConformanceDaemon>
{
    private void Line(string expected)
    {
        var r = d.Run;
        Assert.True(r.ExitCode == 0 && r.Stdout.Contains("DONE\n"), r + "\n" + d.Daemon.OutputTail());
        Assert.True(r.Stdout.Contains(expected + "\n"), $"expected line '{expected}' in\n{r.Stdout}");
    }

    [Fact]
    public void The_interface_list_is_openCryptokis_PKCS11_3_2_3_0_2_40_then_Vendor_IBM()
    {
        Line("interfaces count=4");
        Line("interfaces-short rv=0x150 count=4"); // CKR_BUFFER_TOO_SMALL with the count needed
        Line("interface 0 name=PKCS 11 version=3.2 flags=0x1");
        Line("interface 1 name=PKCS 11 version=3.0 flags=0x1");
        Line("interface 2 name=PKCS 11 version=2.40 flags=0x1");
        Line("interface 3 name=Vendor IBM version=1.0 flags=0x1");
    }

    [Fact]
    public void C_GetInterface_matches_name_version_and_flags_and_the_lowest_index_wins()
    {
        Line("get-default rv=0x0 name=PKCS 11 version=3.2");
        Line("get-pkcs11-any rv=0x0 name=PKCS 11 version=3.2");
        Line("get-pkcs11-3.0 rv=0x0 name=PKCS 11 version=3.0");
        Line("get-pkcs11-2.40 rv=0x0 name=PKCS 11 version=2.40");
        Line("get-vendor rv=0x0 name=Vendor IBM version=1.0");
        Line("get-vendor-1.0 rv=0x0 name=Vendor IBM version=1.0");
        Line("get-any-1.0 rv=0x0 name=Vendor IBM version=1.0");
        Line("v240-is-getfunctionlist=0"); // the interface's 2.40 list is the fork-safe one
    }

    [Fact]
    public void C_GetInterface_without_a_match_is_CKR_FUNCTION_FAILED()
    {
        Line("get-unknown-name rv=0x6");
        Line("get-unknown-version rv=0x6");
        Line("get-vendor-3.0 rv=0x6");
        Line("get-unoffered-flag rv=0x6");
        Line("get-null-out rv=0x7"); // CKR_ARGUMENTS_BAD
    }

    [Fact]
    public void C_IBM_ReencryptSingle_moves_a_ciphertext_from_one_key_to_another()
    {
        Line("ibm version=1.0 exported=1");
        Line("reencrypt-length rv=0x0 len=32");
        Line("reencrypt-short rv=0x150 len=32");
        Line("reencrypt rv=0x0 len=32 plaintext-under-b=1");
    }

    [Fact]
    public void C_IBM_ReencryptSingle_checks_keys_input_and_the_session_as_the_single_calls_do()
    {
        Line("reencrypt-key-without-decrypt rv=0x68"); // CKR_KEY_FUNCTION_NOT_PERMITTED
        Line("reencrypt-bad-handle rv=0x60"); // CKR_KEY_HANDLE_INVALID
        Line("reencrypt-bad-length rv=0x41"); // CKR_ENCRYPTED_DATA_LEN_RANGE
        Line("reencrypt-while-encrypting rv=0x90"); // CKR_OPERATION_ACTIVE
        Line("reencrypt-null-mechanism rv=0x7");
    }

    [Fact]
    public void IBM_vendor_attributes_are_accepted_stored_and_their_rules_kept()
    {
        Line("ibm-create rv=0x0");
        Line("ibm-read rv=0x0/0x0/0x0 protkey-extractable=1 protkey-never-extractable=0 attrbound=1");
        Line("ibm-set-false rv=0x0");
        Line("ibm-set-true-again rv=0x10"); // CKR_ATTRIBUTE_READ_ONLY
        Line("ibm-never-stays rv=0x0 protkey-never-extractable=0");
        Line("ibm-set-attrbound rv=0x10");
        Line("ibm-generated protkey-extractable=0 protkey-never-extractable=1");
        Line("ibm-create-never rv=0x10");
        Line("ibm-create-std-compliance rv=0x12"); // CKR_ATTRIBUTE_TYPE_INVALID: EP11 only, as in openCryptoki's soft token
    }

    [Fact]
    public void An_attribute_array_is_as_long_as_its_CK_ATTRIBUTE_array()
    {
        Line("array-length rv=0x0 len=72 expected=72");
        Line("array-types rv=0x0 len=72 types=162,103,161 lens=1,1,8");
        Line("array-short rv=0x150 unavailable=1");
        Line("array-absent rv=0x0 len=0");
    }

    [Fact]
    public void Raw_RSA_takes_0x00_and_0x01()
    {
        Line("x509-encrypt-00 rv=0x0 len=256 value-kept=1");
        Line("x509-encrypt-01 rv=0x0 len=256 value-kept=1");
        Line("x509-sign-00 rv=0x0 len=256 last=00");
        Line("x509-sign-01 rv=0x0 len=256 last=01");
        Line("x509-signrecover-00 rv=0x0 recover rv=0x0 last=00");
        Line("x509-signrecover-01 rv=0x0 recover rv=0x0 last=01");
    }

    [Fact]
    public void Raw_RSA_unwraps_a_DES3_key_from_the_end_of_the_block() => Line("x509-unwrap-des3 rv=0x0 wrapped=256 same=1");

    [Fact]
    public void CKM_CONCATENATE_BASE_AND_KEY_is_listed_and_appends_the_second_key()
    {
        Line("concat-listed=1 info rv=0x0 derive=1");
        Line("concat-derive rv=0x0 len=12 ab=1");
        Line("concat-bad-handle rv=0x60");
        Line("concat-short-parameter rv=0x71"); // CKR_MECHANISM_PARAM_INVALID
    }
}
