using OpenCryptokiActors.EndToEnd.Tests.Infrastructure;

namespace OpenCryptokiActors.Cli.Tests;

/// <summary>
/// openCryptoki's policy.conf and strength.conf (tests/testdata/opencryptoki-policy, in the formats of policy.conf(5)
/// and strength.conf(5); Debian's opencryptoki 3.8.1 ships neither) converted by `ock config convert`, a daemon run on
/// the result, and the policy enforced through the module; `ock slot add --policy` gives a run-time slot its policy.
/// </summary>
public sealed class PolicyConvertTests
{
    private static string Data(string name) => Path.Combine(Repo.Root, "tests", "testdata", "opencryptoki-policy", name);

    private static ProcessResult Ock(Dictionary<string, string>? env, params string[] args) =>
        ProcessRunner.Run("dotnet", [Target.OckDll, .. args], env, TimeSpan.FromSeconds(120));

    private static string NewDir(string name)
    {
        var dir = Path.Combine(Path.GetTempPath(), $"ock-{name}-{Guid.NewGuid():N}"[..30]);
        Directory.CreateDirectory(dir);
        return dir;
    }

    [Fact]
    public void Policy_and_strength_files_beside_the_configuration_convert_and_unmappable_rules_are_named()
    {
        // The files are found beside opencryptoki.conf, as openCryptoki reads them from /etc/opencryptoki.
        var refused = Ock(null, "config", "convert", Data("opencryptoki.conf"));
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("the token cannot express", refused.Stderr);
        Assert.Contains("strength.conf line 12: strength 128 signature = 128", refused.Stderr);
        Assert.Contains("--skip-unsupported", refused.Stderr);

        var r = Ock(null, "config", "convert", "--skip-unsupported", Data("opencryptoki.conf"));
        Assert.True(r.ExitCode == 0, r.ToString());
        var hocon = r.Stdout;
        Assert.Contains("min-strength = 128", hocon);
        Assert.Contains("curves = [prime256v1, secp384r1, ed25519]", hocon);
        Assert.Contains("mgfs = [CKG_MGF1_SHA256]", hocon);
        Assert.Contains("kdfs = [CKD_NULL, CKD_SHA256_KDF]", hocon);
        Assert.Contains("CKM_SHA256_RSA_PKCS_PSS", hocon);
        Assert.DoesNotContain("CKM_SHA_1", hocon.Split("slots = [")[1]); // below strength.conf's digest = 256
        Assert.Contains("# policy NOT converted: ", hocon);
        Assert.Contains("warning: left out:", r.Stderr);
        Assert.Contains("note: digest = 256: left out of the allow list: CKM_SHA_1", r.Stderr);
        Assert.Contains("CKM_IBM_SHA3_256", hocon.Split("slots = [")[1]); // openCryptoki's IBM SHA-3 numbers are mechanisms of this token
        Assert.Contains("CKG_IBM_MGF1_SHA3_256", r.Stderr);

        // openCryptoki enforces no policy without strength.conf: a strength then cannot be converted.
        var dir = NewDir("policy-only");
        File.Copy(Data("opencryptoki.conf"), Path.Combine(dir, "opencryptoki.conf"));
        var noStrength = Ock(null, "config", "convert", Path.Combine(dir, "opencryptoki.conf"), "--policy", Data("policy.conf"));
        Assert.Equal(1, noStrength.ExitCode);
        Assert.Contains("strength = 128 needs a strength.conf", noStrength.Stderr);

        // A wrong file names its line.
        var bad = Path.Combine(dir, "bad-policy.conf");
        File.WriteAllText(bad, "version policy-0\nallowedcurves ( PRIME256V1, NOT_A_CURVE )\n");
        var wrong = Ock(null, "config", "convert", Path.Combine(dir, "opencryptoki.conf"), "--policy", bad);
        Assert.Equal(1, wrong.ExitCode);
        Assert.Contains("bad-policy.conf line 2: unknown curve 'NOT_A_CURVE'", wrong.Stderr);
        Directory.Delete(dir, true);
    }

    [Fact]
    public void A_daemon_on_the_converted_policy_enforces_it_and_a_slot_added_at_run_time_carries_its_own()
    {
        var dir = NewDir("policy-run");
        var conf = Path.Combine(dir, "opencryptoki.conf");
        var converted = Ock(null, "config", "convert", "--skip-unsupported", Data("opencryptoki.conf"), "-o", conf);
        Assert.True(converted.ExitCode == 0, converted.ToString());
        var daemon = SlotDaemon.WithConfigFile(dir, conf);
        daemon.Start();
        try
        {
            var t = new Target(Repo.ModulePath, new() { ["OPENCRYPTOKI_ACTORS_SOCKET"] = daemon.SocketPath }, "policytok", dir);
            Targets.Initialize(t, "3");

            // Only the allowed mechanisms are listed.
            var mechanisms = t.Ok("mechanisms");
            Assert.Contains("CKM_SHA256_RSA_PKCS_PSS", mechanisms);
            Assert.DoesNotContain("CKM_SHA_1", mechanisms);
            Assert.DoesNotContain("CKM_AES_CBC", mechanisms);

            // strength = 128: RSA needs 3072 bits (MOD_EXP), AES 128 bits; curves outside allowedcurves are refused.
            var weak = t.OnToken("key", "generate", "rsa", "--bits", "2048", "--label", "weak");
            Assert.True(weak.ExitCode != 0, weak.ToString());
            Assert.Contains("CKR_KEY_SIZE_RANGE", weak.Stderr);
            var p521 = t.OnToken("key", "generate", "ec", "--curve", "p521", "--label", "p521");
            Assert.True(p521.ExitCode != 0, p521.ToString());
            Assert.Contains("CKR_CURVE_NOT_SUPPORTED", p521.Stderr);
            t.Ok("key", "generate", "ec", "--curve", "p256", "--label", "p256");
            t.Ok("key", "generate", "aes", "--bits", "128", "--label", "aes128");
            Assert.True(WaitFor(() => daemon.Output.Contains("(policy.min-strength)") && daemon.Output.Contains("(policy.curves)")), daemon.OutputTail(3000));

            // ock slot add --policy: a HOCON policy block for a slot added at run time.
            var policy = Path.Combine(dir, "runtime-policy.conf");
            File.WriteAllText(policy, "policy {\n  deny = [CKM_AES_GCM]\n  min-strength = 192\n}\n");
            var added = Ock(null, "slot", "add", "--admin-socket", daemon.AdminSocketPath, "--id", "8", "--token-name", "runtok", "--policy", policy);
            Assert.True(added.ExitCode == 0, added + "\n" + daemon.OutputTail(3000));
            var rt = t with { TokenLabel = "runtok" };
            Targets.Initialize(rt, "8");
            Assert.DoesNotContain("CKM_AES_GCM", rt.Ok("mechanisms"));
            var aes128 = rt.OnToken("key", "generate", "aes", "--bits", "128", "--label", "aes128");
            Assert.True(aes128.ExitCode != 0, aes128.ToString());
            Assert.Contains("CKR_KEY_SIZE_RANGE", aes128.Stderr);
            rt.Ok("key", "generate", "aes", "--bits", "256", "--label", "aes256");

            // A wrong policy is refused by the daemon, naming the key; no slot is added.
            File.WriteAllText(policy, "min-strength = 100\n");
            var wrong = Ock(null, "slot", "add", "--admin-socket", daemon.AdminSocketPath, "--id", "9", "--token-name", "wrongtok", "--policy", policy);
            Assert.True(wrong.ExitCode != 0, wrong.ToString());
            Assert.Contains("slot 9: policy.min-strength: 100", wrong.Stderr);
            Assert.DoesNotContain("wrongtok", Ock(null, "slot", "list", "--admin-socket", daemon.AdminSocketPath).Stdout);
            Assert.Equal(0, daemon.Stop());
        }
        finally
        {
            daemon.Dispose();
            Directory.Delete(dir, true);
        }
    }

    /// <summary>The daemon's log is written asynchronously: waited for, up to 10 s.</summary>
    private static bool WaitFor(Func<bool> condition)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (!condition() && watch.Elapsed < TimeSpan.FromSeconds(10)) Thread.Sleep(50);
        return condition();
    }
}
