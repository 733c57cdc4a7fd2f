using System.Text.RegularExpressions;
using OpenCryptokiActors.EndToEnd.Tests.Infrastructure;

namespace OpenCryptokiActors.EndToEnd.Tests;

/// <summary>OpenSC's pkcs11-tool, a real client in its own process, driving the module and the daemon.</summary>
[Collection(EndToEndCollection.Name)]
public sealed class _12_Pkcs11ToolTest(EndToEndFixture fx)
{
    private const string So = "10293847";
    private const string User = "56473829";
    private static readonly string Slot = Slots.Pkcs11Tool.ToString();

    private void InitToken(string slot, string label)
    {
        var init = Pkcs11Tool.Ok(fx, "--slot", slot, "--init-token", "--label", label, "--so-pin", So);
        Assert.Contains("Token successfully initialized", init.Output);
        var pin = Pkcs11Tool.Ok(fx, "--slot", slot, "--init-pin", "--so-pin", So, "--pin", User);
        Assert.Contains("User PIN successfully initialized", pin.Output);
    }

    [Fact]
    public void List_slots_shows_every_slot_and_the_initialised_token()
    {
        InitToken(Slot, "tool label");
        var r = Pkcs11Tool.Ok(fx, "-L");
        foreach (var slot in Slots.All)
            Assert.Contains($"Slot {slot.Id} (0x{slot.Id:x}): {slot.Description}", r.Stdout);
        Assert.Matches(new Regex(@"token label\s*:\s*tool label"), r.Stdout);
        Assert.Matches(new Regex(@"token flags\s*:.*token initialized"), r.Stdout);
        Assert.Matches(new Regex(@"token flags\s*:.*PIN initialized"), r.Stdout);
    }

    [Fact]
    public void Init_token_and_init_pin_then_the_User_logs_in()
    {
        InitToken(Slot, "fresh tool");
        var r = Pkcs11Tool.Ok(fx, "--slot", Slot, "--login", "--pin", User, "-O");
        Assert.DoesNotContain("error", r.Output, StringComparison.OrdinalIgnoreCase);
        var wrong = Pkcs11Tool.Run(fx, "--slot", Slot, "--login", "--pin", "00000000", "-O");
        Assert.NotEqual(0, wrong.ExitCode);
        Assert.Contains("CKR_PIN_INCORRECT", wrong.Output);
    }

    [Fact]
    public void RSA_2048_keypairgen_sign_and_verify()
    {
        InitToken(Slot, "rsa tool");
        var gen = Pkcs11Tool.Ok(fx, "--slot", Slot, "--login", "--pin", User,
            "--keypairgen", "--key-type", "rsa:2048", "--id", "01", "--label", "rsakey");
        Assert.Contains("Key pair generated", gen.Output);
        Assert.Matches(new Regex(@"Public Key Object; RSA 2048 bits"), gen.Output);
        SignAndVerify("SHA256-RSA-PKCS", "01");
        SignAndVerify("SHA256-RSA-PKCS-PSS", "01");
    }

    [Fact]
    public void EC_P256_keypairgen_sign_and_verify()
    {
        InitToken(Slot, "ec tool");
        var gen = Pkcs11Tool.Ok(fx, "--slot", Slot, "--login", "--pin", User,
            "--keypairgen", "--key-type", "EC:prime256v1", "--id", "02", "--label", "eckey");
        Assert.Contains("Key pair generated", gen.Output);
        Assert.Contains("06082a8648ce3d030107", gen.Output); // EC_PARAMS of prime256v1
        SignAndVerify("ECDSA-SHA256", "02");
    }

    [Fact]
    public void AES_256_keygen()
    {
        InitToken(Slot, "aes tool");
        var gen = Pkcs11Tool.Ok(fx, "--slot", Slot, "--login", "--pin", User,
            "--keygen", "--key-type", "AES:32", "--id", "03", "--label", "aeskey");
        Assert.Contains("Key generated", gen.Output);
        Assert.Contains("Secret Key Object; AES length 32", gen.Output);
        var list = Pkcs11Tool.Ok(fx, "--slot", Slot, "--login", "--pin", User, "-O");
        Assert.Contains("aeskey", list.Stdout);
    }

    [Fact]
    public void Objects_are_listed_the_same_after_a_daemon_restart()
    {
        InitToken(Slot, "restart tool");
        Pkcs11Tool.Ok(fx, "--slot", Slot, "--login", "--pin", User, "--keypairgen", "--key-type", "rsa:2048", "--id", "11", "--label", "rsa-persist");
        Pkcs11Tool.Ok(fx, "--slot", Slot, "--login", "--pin", User, "--keypairgen", "--key-type", "EC:prime256v1", "--id", "12", "--label", "ec-persist");
        Pkcs11Tool.Ok(fx, "--slot", Slot, "--login", "--pin", User, "--keygen", "--key-type", "AES:32", "--id", "13", "--label", "aes-persist");
        var before = Pkcs11Tool.Ok(fx, "--slot", Slot, "--login", "--pin", User, "-O");
        foreach (var label in new[] { "rsa-persist", "ec-persist", "aes-persist" })
            Assert.Contains(label, before.Stdout);
        Assert.Equal(5, Regex.Matches(before.Stdout, @"^(Private|Public|Secret) Key Object", RegexOptions.Multiline).Count);

        Assert.Equal(0, fx.Daemon.Restart());

        var after = Pkcs11Tool.Ok(fx, "--slot", Slot, "--login", "--pin", User, "-O");
        Assert.Equal(SortedLines(before.Stdout), SortedLines(after.Stdout));
        SignAndVerify("SHA256-RSA-PKCS", "11");
        SignAndVerify("ECDSA-SHA256", "12");
    }

    [Fact]
    public void Self_test_with_login_reports_no_errors()
    {
        var slot = Slots.Pkcs11ToolSelfTest.ToString();
        InitToken(slot, "self test");
        Pkcs11Tool.Ok(fx, "--slot", slot, "--login", "--pin", User, "--keypairgen", "--key-type", "rsa:2048", "--id", "21", "--label", "rsa-test");
        Pkcs11Tool.Ok(fx, "--slot", slot, "--login", "--pin", User, "--keypairgen", "--key-type", "EC:prime256v1", "--id", "22", "--label", "ec-test");

        var r = Pkcs11Tool.Run(fx, "--slot", slot, "--test", "--login", "--pin", User);
        var report = r + "\n--- ock-slotd\n" + fx.Daemon.OutputTail(3000);
        Assert.True(r.ExitCode == 0, "pkcs11-tool --test failed:\n" + report);
        Assert.Contains("No errors", r.Output);
        Assert.DoesNotMatch(new Regex(@"^\s*error:", RegexOptions.Multiline | RegexOptions.IgnoreCase), r.Output);
        Assert.DoesNotMatch(new Regex(@"^\s*[1-9][0-9]* errors?\s*$", RegexOptions.Multiline), r.Output);
    }

    [Fact]
    public void The_trace_records_calls_but_never_PINs()
    {
        InitToken(Slot, "traced");
        var traceDir = Path.Combine(fx.WorkDir, "trace-" + Guid.NewGuid().ToString("N")[..6]);
        Directory.CreateDirectory(traceDir);
        var env = fx.ChildEnvironment(("OPENCRYPTOKI_TRACE_LEVEL", "5"), ("OPENCRYPTOKI_TRACE_DIR", traceDir));
        const string newPin = "Tr4ce-Me-N0t";
        var r = Pkcs11Tool.RunWith(fx.ModulePath, env, "--slot", Slot, "--login", "--pin", User,
            "--change-pin", "--new-pin", newPin);
        Assert.True(r.ExitCode == 0, r.ToString());
        r = Pkcs11Tool.RunWith(fx.ModulePath, env, "--slot", Slot, "--login", "--pin", newPin,
            "--keygen", "--key-type", "AES:32", "--label", "traced key");
        Assert.True(r.ExitCode == 0, r.ToString());

        var traces = Directory.GetFiles(traceDir, "opencryptoki-actors-trace.*");
        Assert.Equal(2, traces.Length);
        var all = string.Concat(traces.Select(File.ReadAllText));
        Assert.Contains("C_Login", all);
        Assert.Contains("C_SetPIN", all);
        Assert.Contains("C_GenerateKey", all);
        Assert.DoesNotContain(User, all);
        Assert.DoesNotContain(newPin, all);
        Assert.DoesNotContain(Convert.ToHexString(System.Text.Encoding.ASCII.GetBytes(newPin)), all, StringComparison.OrdinalIgnoreCase);
    }

    private void SignAndVerify(string mechanism, string id)
    {
        var dir = Path.Combine(fx.WorkDir, "sig-" + Guid.NewGuid().ToString("N")[..6]);
        Directory.CreateDirectory(dir);
        var input = Path.Combine(dir, "data.txt");
        var signature = Path.Combine(dir, "data.sig");
        File.WriteAllText(input, "pkcs11-tool signs this line.\n");
        Pkcs11Tool.Ok(fx, "--slot", Slot, "--login", "--pin", User, "--sign", "--mechanism", mechanism,
            "--id", id, "--input-file", input, "--output-file", signature);
        Assert.True(new FileInfo(signature).Length > 0);
        var verify = Pkcs11Tool.Ok(fx, "--slot", Slot, "--verify", "--mechanism", mechanism,
            "--id", id, "--input-file", input, "--signature-file", signature);
        Assert.Contains("Signature is valid", verify.Output);

        File.WriteAllText(input, "pkcs11-tool signs this line!\n");
        var bad = Pkcs11Tool.Run(fx, "--slot", Slot, "--verify", "--mechanism", mechanism,
            "--id", id, "--input-file", input, "--signature-file", signature);
        Assert.DoesNotContain("Signature is valid", bad.Output);
        Assert.Contains("Invalid signature", bad.Output);
    }

    private static List<string> SortedLines(string text) =>
        text.Split('\n').Select(l => l.TrimEnd()).Where(l => l.Length > 0).Order(StringComparer.Ordinal).ToList();
}
