using OpenCryptokiActors.EndToEnd.Tests.Infrastructure;
using static OpenCryptokiActors.EndToEnd.Tests.Infrastructure.DaemonKit;

namespace OpenCryptokiActors.EndToEnd.Tests;

/// <summary>
/// A private daemon with one initialised token, and clients/v3client.c (which drives the module through the 3.0
/// function list from C_GetInterface("PKCS 11", {3,0})) run once against it; the tests read its report.
/// </summary>
public sealed class Pkcs11v3Daemon : IDisposable
{
    public Pkcs11v3Daemon()
    {
        Daemon = StartDaemon("v3", [new SlotConfig(0, "v3-token", "PKCS#11 3.0 token")], group: "pkcs11");
        InitToken(Daemon, 0, "v3");
        var dir = NewDir("v3client");
        var client = Path.Combine(dir, "v3client");
        var source = Path.Combine(AppContext.BaseDirectory, "clients", "v3client.c");
        var build = ProcessRunner.Run("gcc", ["-O1", "-Wall", "-Werror", "-I/usr/include/p11-kit-1", "-o", client, source, "-ldl"],
            null, TimeSpan.FromSeconds(120));
        if (build.ExitCode != 0) throw new InvalidOperationException("gcc could not build v3client (needs gcc, libp11-kit-dev):\n" + build);
        Run = ProcessRunner.Run(client, [Repo.ModulePath, "0", UserPin], Env(Daemon.SocketPath), TimeSpan.FromSeconds(60));
    }

    public SlotDaemon Daemon { get; }

    /// <summary>The client's report: one line per check.</summary>
    public ProcessResult Run { get; }

    public void Dispose() => Discard(Daemon);
}

/// <summary>
/// The PKCS#11 3.0 functions through the real module: C_LoginUser, the dual-function updates, C_SessionCancel, digest operation state, and the
/// clean CKR_FUNCTION_NOT_SUPPORTED of the 3.0 functions not offered yet.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class _40_Pkcs11v3Test(Pkcs11v3Daemon v3) : IClassFixture<Pkcs11v3Daemon>
{
    private void Line(string expected)
    {
        var r = v3.Run;
        Assert.True(r.ExitCode == 0 && r.Stdout.Contains("DONE\n"), r + "\n" + v3.Daemon.OutputTail());
        Assert.True(r.Stdout.Contains(expected + "\n"), $"expected line '{expected}' in\n{r.Stdout}");
    }

    [Fact]
    public void The_client_gets_the_3_0_function_list_from_C_GetInterface() => Line("interface version=3.0");

    [Fact]
    public void C_LoginUser_accepts_no_name_or_the_fixed_name_of_the_role_and_then_behaves_as_C_Login()
    {
        Line("loginuser-wrong-name rv=0xa0"); // CKR_PIN_INCORRECT: no such user
        Line("loginuser-null-name-with-length rv=0x7"); // CKR_ARGUMENTS_BAD
        Line("loginuser-wrong-pin rv=0xa0");
        Line("loginuser-null-name rv=0x0");
        Line("loginuser-named rv=0x0");
        Line("session state=3"); // CKS_RW_USER_FUNCTIONS
        Line("loginuser-again rv=0x100"); // CKR_USER_ALREADY_LOGGED_IN
    }

    [Fact]
    public void C_DigestEncryptUpdate_encrypts_and_digests_in_one_call_with_the_output_buffer_conventions()
    {
        Line("digestencrypt-none-active rv=0x91"); // CKR_OPERATION_NOT_INITIALIZED
        Line("digestencrypt-digest-missing rv=0x91");
        Line("digestinit-twice rv=0x90"); // CKR_OPERATION_ACTIVE
        Line("digestencrypt-null rv=0x0 len=32");
        Line("digestencrypt-short rv=0x150 len=32"); // CKR_BUFFER_TOO_SMALL
        Line("digestencrypt rv=0x0 len=32 match=1");
        Line("digestencrypt-digest match=1"); // digested once, although asked three times
    }

    [Fact]
    public void C_DecryptDigestUpdate_decrypts_and_digests_the_plaintext()
    {
        Line("decryptdigest rv=0x0 len=32 match=1");
        Line("decryptdigest-digest match=1");
    }

    [Fact]
    public void C_SignEncryptUpdate_signs_and_encrypts_in_parts()
    {
        Line("signencrypt-encrypt-missing rv=0x91");
        Line("signencrypt rv=0x0 rv2=0x0 match=1");
        Line("signencrypt-mac match=1");
    }

    [Fact]
    public void C_DecryptVerifyUpdate_decrypts_and_verifies_the_plaintext()
    {
        Line("decryptverify rv=0x0 len=32 match=1");
        Line("decryptverify-verify rv=0x0");
        Line("decryptverify-verify-bad rv=0xc0"); // CKR_SIGNATURE_INVALID
    }

    [Fact]
    public void C_SessionCancel_ends_exactly_the_named_operations()
    {
        Line("cancel-digest rv=0x0");
        Line("cancel-digest-update rv=0x91");
        Line("cancel-encrypt-still-active rv=0x0");
        Line("cancel-several rv=0x0");
        Line("cancel-encrypt-update rv=0x91");
        Line("cancel-encrypt-init-again rv=0x0");
        Line("cancel-find rv=0x0");
        Line("cancel-find-objects rv=0x91");
        Line("cancel-find-init-again rv=0x0");
        Line("cancel-nothing-active rv=0x0");
        Line("cancel-bad-session rv=0xb3"); // CKR_SESSION_HANDLE_INVALID
    }

    [Fact]
    public void Functions_not_offered_yet_return_CKR_FUNCTION_NOT_SUPPORTED()
    {
        Line("messageencryptinit rv=0x54");
    }

    [Fact]
    public void A_digest_state_is_saved_and_restored_in_another_session_and_tampering_is_refused()
    {
        Line("getstate-none-active rv=0x91");
        Line("getstate-null rv=0x0 sized=1");
        Line("getstate-short rv=0x150 same=1");
        Line("getstate rv=0x0 same=1");
        Line("getstate-with-encrypt rv=0x180"); // CKR_STATE_UNSAVEABLE
        Line("setstate-tampered rv=0x160"); // CKR_SAVED_STATE_INVALID
        Line("setstate-key-given rv=0x64"); // CKR_KEY_NOT_NEEDED
        Line("setstate rv=0x0");
        Line("setstate-digest match=1");
        Line("getstate-original-goes-on match=1");
        Line("getstate-after-digestkey rv=0x180"); // key material never goes into a blob
    }
}
