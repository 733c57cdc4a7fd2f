using System.Security.Cryptography;
using System.Text.RegularExpressions;
using OpenCryptokiActors.EndToEnd.Tests.Infrastructure;
using static OpenCryptokiActors.EndToEnd.Tests.Infrastructure.DaemonKit;

namespace OpenCryptokiActors.EndToEnd.Tests;

/// <summary>A daemon with a policy slot (0) and an unrestricted slot (1), both initialised with a User PIN.</summary>
public sealed class PolicyDaemon : IDisposable
{
    public PolicyDaemon()
    {
        Daemon = StartDaemon("policy",
        [
            new SlotConfig(0, "policy-token", "Policy token", Policy: "deny = [CKM_RSA_PKCS], min-strength = 112, curves = [prime256v1]"),
            new SlotConfig(1, "free-token", "Unrestricted token"),
        ], group: "pkcs11");
        InitToken(Daemon, 0, "policy");
        InitToken(Daemon, 1, "free");
    }

    public SlotDaemon Daemon { get; }

    /// <summary>pkcs11-tool against this daemon, logged in as User on <paramref name="slot"/>.</summary>
    public ProcessResult Tool(ulong slot, params string[] args) =>
        Pkcs11Tool.RunWith(Repo.ModulePath, Env(Daemon.SocketPath), ["--slot", slot.ToString(), "--login", "--pin", UserPin, .. args]);

    public void Dispose() => Discard(Daemon);
}

/// <summary>
/// The per-slot mechanism policy through a real client (pkcs11-tool) and a real daemon: a denied mechanism leaves
/// C_GetMechanismList and its C_SignInit answers CKR_MECHANISM_INVALID; under min-strength 112 a 1024-bit RSA key is
/// refused at generation and, created with C_CreateObject, at use (CKR_KEY_SIZE_RANGE); a curve outside the list is
/// refused (CKR_CURVE_NOT_SUPPORTED); the daemon logs the rule; the unrestricted slot does all of it.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class _46_PolicyTest(PolicyDaemon p) : IClassFixture<PolicyDaemon>
{
    /// <summary>The return codes (PKCS#11 v3.0) the policy answers with.</summary>
    private static class CKR
    {
        public const ulong MechanismInvalid = 0x70;
        public const ulong KeySizeRange = 0x62;
        public const ulong CurveNotSupported = 0x140;
    }

    private static readonly Regex RsaPkcs = new(@"^\s*RSA-PKCS,", RegexOptions.Multiline);

    private static void Ok(ProcessResult r, PolicyDaemon p) =>
        Assert.True(r.ExitCode == 0, "pkcs11-tool failed:\n" + r + "\n--- ock-slotd\n" + p.Daemon.OutputTail(3000));

    /// <summary>pkcs11-tool failed in <paramref name="function"/> with <paramref name="rv"/>: "rv = NAME (0xCODE)", or "unknown PKCS11 error (0xCODE)" for v3.0 codes it has no name for.</summary>
    private static void Refused(ProcessResult r, string function, ulong rv)
    {
        var failed = Regex.Match(r.Output, $@"{function} failed: rv = [^\n]*\(0x(?<code>[0-9A-Fa-f]+)\)");
        Assert.True(r.ExitCode != 0 && failed.Success && Convert.ToUInt64(failed.Groups["code"].Value, 16) == rv,
            $"expected {function} to fail with 0x{rv:X}:\n{r}");
    }

    /// <summary>The daemon logged <paramref name="line"/> (its log is written asynchronously: waited for, up to 10 s).</summary>
    private void Logged(string line)
    {
        var (ok, _) = WaitFor(() => (p.Daemon.Output.Contains(line), ""), TimeSpan.FromSeconds(10));
        Assert.True(ok, $"the daemon did not log \"{line}\":\n{p.Daemon.OutputTail(3000)}");
    }

    private string Data()
    {
        var file = Path.Combine(p.Daemon.BaseDir, "data-" + Guid.NewGuid().ToString("N")[..8]);
        File.WriteAllText(file, "data to sign under a policy");
        return file;
    }

    [Fact]
    public void A_denied_mechanism_must_be_absent_from_the_list_and_refused_at_init()
    {
        var list = p.Tool(0, "--list-mechanisms");
        Ok(list, p);
        Assert.DoesNotMatch(RsaPkcs, list.Stdout);
        Assert.Contains("RSA-PKCS-PSS", list.Stdout);
        var free = p.Tool(1, "--list-mechanisms");
        Ok(free, p);
        Assert.Matches(RsaPkcs, free.Stdout);

        Ok(p.Tool(0, "--keypairgen", "--key-type", "rsa:2048", "--id", "01", "--label", "rsa2048"), p);
        Refused(p.Tool(0, "--sign", "-m", "RSA-PKCS", "--id", "01", "-i", Data()), "C_SignInit", CKR.MechanismInvalid);
        Ok(p.Tool(0, "--sign", "-m", "SHA256-RSA-PKCS-PSS", "--id", "01", "-i", Data()), p);
        Logged("policy of slot 0: CKM_RSA_PKCS denied (policy.deny)");

        Ok(p.Tool(1, "--keypairgen", "--key-type", "rsa:2048", "--id", "01", "--label", "rsa2048"), p);
        Ok(p.Tool(1, "--sign", "-m", "RSA-PKCS", "--id", "01", "-i", Data()), p);
    }

    [Fact]
    public void A_key_below_the_minimum_strength_must_be_refused_at_generation_and_at_use()
    {
        Refused(p.Tool(0, "--keypairgen", "--key-type", "rsa:1024", "--id", "02", "--label", "weak"), "C_GenerateKeyPair", CKR.KeySizeRange);
        Logged("policy of slot 0: CKK_RSA key of strength 0 below 112 (policy.min-strength)");

        // An existing weak key (C_CreateObject is not key generation) is refused where it is used.
        using var rsa = RSA.Create(1024);
        var pem = Path.Combine(p.Daemon.BaseDir, "weak-" + Guid.NewGuid().ToString("N")[..8] + ".pem");
        File.WriteAllText(pem, rsa.ExportPkcs8PrivateKeyPem());
        Ok(p.Tool(0, "--write-object", pem, "--type", "privkey", "--id", "03", "--label", "weak-imported", "--usage-sign"), p);
        Refused(p.Tool(0, "--sign", "-m", "SHA256-RSA-PKCS", "--id", "03", "-i", Data()), "C_SignInit", CKR.KeySizeRange);

        Ok(p.Tool(1, "--keypairgen", "--key-type", "rsa:1024", "--id", "02", "--label", "weak"), p);
        Ok(p.Tool(1, "--write-object", pem, "--type", "privkey", "--id", "03", "--label", "weak-imported", "--usage-sign"), p);
        Ok(p.Tool(1, "--sign", "-m", "SHA256-RSA-PKCS", "--id", "03", "-i", Data()), p);
    }

    [Fact]
    public void A_curve_outside_the_list_must_be_refused()
    {
        Ok(p.Tool(0, "--keypairgen", "--key-type", "EC:prime256v1", "--id", "04", "--label", "p256"), p);
        Refused(p.Tool(0, "--keypairgen", "--key-type", "EC:secp384r1", "--id", "05", "--label", "p384"), "C_GenerateKeyPair", CKR.CurveNotSupported);
        Logged("curve P-384 not allowed (policy.curves)");
        Ok(p.Tool(1, "--keypairgen", "--key-type", "EC:secp384r1", "--id", "05", "--label", "p384"), p);
    }
}
