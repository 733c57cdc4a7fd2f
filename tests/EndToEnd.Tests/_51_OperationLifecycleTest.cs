using OpenCryptokiActors.EndToEnd.Tests.Infrastructure;
using static OpenCryptokiActors.EndToEnd.Tests.Infrastructure.DaemonKit;

namespace OpenCryptokiActors.EndToEnd.Tests;

/// <summary>A private daemon with one initialised token and clients/lifecycleclient.c run once against it; the tests read its report.</summary>
public sealed class LifecycleDaemon : IDisposable
{
    public LifecycleDaemon()
    {
        Daemon = StartDaemon("lifecycle", [new SlotConfig(0, "lifecycle-token", "Lifecycle token")], group: "pkcs11");
        InitToken(Daemon, 0, "lifecycle");
        var dir = NewDir("lifecycleclient");
        var client = Path.Combine(dir, "lifecycleclient");
        var source = Path.Combine(AppContext.BaseDirectory, "clients", "lifecycleclient.c");
        var build = ProcessRunner.Run("gcc", ["-O1", "-Wall", "-Werror", "-I/usr/include/p11-kit-1", "-o", client, source, "-ldl"],
            null, TimeSpan.FromSeconds(120));
        if (build.ExitCode != 0) throw new InvalidOperationException("gcc could not build lifecycleclient (needs gcc, libp11-kit-dev):\n" + build);
        Run = ProcessRunner.Run(client, [Repo.ModulePath, "0", UserPin], Env(Daemon.SocketPath), TimeSpan.FromSeconds(120));
    }

    public SlotDaemon Daemon { get; }

    public ProcessResult Run { get; }

    public void Dispose() => Discard(Daemon);
}

/// <summary>
/// The operation lifecycle of PKCS#11 3.0 §5.2 and of each function's description, through the real module, for every
/// family (encrypt, decrypt, digest, sign, verify) × every error class × the follow-up calls:
/// "A call to C_Encrypt always terminates the active encryption operation unless it returns CKR_BUFFER_TOO_SMALL or is a
/// successful call (i.e., one which returns CKR_OK) to determine the length of the buffer needed" (and likewise for the
/// other single-part, Update and Final functions); a single-part call "cannot be used to terminate a multi-part operation".
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class _51_OperationLifecycleTest(LifecycleDaemon fixture) : IClassFixture<LifecycleDaemon>
{
    private const string ArgumentsBad = "0x7";
    private const string NotInitialized = "0x91";
    private const string Active = "0x90";

    private void Line(string expected)
    {
        var r = fixture.Run;
        Assert.True(r.ExitCode == 0 && r.Stdout.Contains("DONE\n"), r + "\n" + fixture.Daemon.OutputTail());
        Assert.True(r.Stdout.Contains(expected + "\n"), $"expected line '{expected}' in\n{r.Stdout}");
    }

    public static TheoryData<string, string, string> Failures => new()
    {
        // family, case, rv: each ends the operation (then CKR_OPERATION_NOT_INITIALIZED) and a new Init works
        { "encrypt", "single-null-data", ArgumentsBad }, { "encrypt", "update-null-data", ArgumentsBad },
        { "encrypt", "single-null-length", ArgumentsBad }, { "encrypt", "final-null-length", ArgumentsBad },
        { "encrypt", "single-bad-length", "0x21" }, { "encrypt", "final-bad-length", "0x21" }, // CKR_DATA_LEN_RANGE
        { "decrypt", "single-null-data", ArgumentsBad }, { "decrypt", "update-null-data", ArgumentsBad },
        { "decrypt", "single-null-length", ArgumentsBad }, { "decrypt", "final-null-length", ArgumentsBad },
        { "decrypt", "single-bad-length", "0x41" }, { "decrypt", "final-bad-length", "0x41" }, // CKR_ENCRYPTED_DATA_LEN_RANGE
        { "digest", "single-null-data", ArgumentsBad }, { "digest", "update-null-data", ArgumentsBad },
        { "digest", "single-null-length", ArgumentsBad }, { "digest", "final-null-length", ArgumentsBad },
        { "sign", "single-null-data", ArgumentsBad }, { "sign", "update-null-data", ArgumentsBad },
        { "sign", "single-null-length", ArgumentsBad }, { "sign", "final-null-length", ArgumentsBad },
        { "verify", "single-null-data", ArgumentsBad }, { "verify", "update-null-data", ArgumentsBad },
        { "verify", "single-invalid", "0xc0" }, { "verify", "single-wrong-length", "0xc1" }, { "verify", "final-invalid", "0xc0" },
    };

    [Theory]
    [MemberData(nameof(Failures))]
    public void A_failed_call_ends_the_operation_and_a_new_init_works(string family, string kase, string rv) =>
        Line($"{family}-{kase} rv={rv} then={NotInitialized} reinit=0x0");

    [Theory]
    [InlineData("encrypt", 32)]
    [InlineData("decrypt", 32)]
    [InlineData("digest", 32)]
    [InlineData("sign", 32)]
    public void A_length_query_and_a_short_buffer_keep_the_operation_and_the_repeated_call_gives_the_same_bytes(string family, int length) =>
        Line($"{family}-length-query rv=0x0 len={length} small=0x150 then=0x0 match=1");

    [Theory]
    [InlineData("encrypt")]
    [InlineData("decrypt")]
    [InlineData("digest")]
    [InlineData("sign")]
    public void Single_part_calls_after_an_update_are_active_and_the_multi_part_operation_goes_on(string family)
    {
        Line($"{family}-single-after-update rv={Active} then=0x0 final=0x0 match=1");
        Line($"{family}-final-query-then-single q=0x0 rv={Active} final=0x0 match=1");
    }

    [Theory]
    [InlineData("encrypt")]
    [InlineData("decrypt")]
    [InlineData("digest")]
    [InlineData("sign")]
    public void Updates_and_finals_after_a_single_part_length_query_are_active_and_the_single_part_call_goes_on(string family)
    {
        Line($"{family}-update-after-query rv={Active} then=0x0 match=1");
        Line($"{family}-single-query-then-final rv={Active} then=0x0 match=1");
    }

    [Fact]
    public void A_single_part_verification_after_an_update_is_active_and_the_multi_part_one_goes_on() =>
        Line($"verify-single-after-update rv={Active} then=0x0 final=0x0");
}
