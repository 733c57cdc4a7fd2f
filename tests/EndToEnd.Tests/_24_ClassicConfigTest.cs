using OpenCryptokiActors.Cryptoki.Configuration;
using OpenCryptokiActors.EndToEnd.Tests.Infrastructure;
using static OpenCryptokiActors.EndToEnd.Tests.Infrastructure.DaemonKit;

namespace OpenCryptokiActors.EndToEnd.Tests;

/// <summary>
/// The classic configuration: ock-slotd reads openCryptoki's own opencryptoki.conf grammar (detected by content),
/// with the file Debian's opencryptoki package ships (tests/testdata/debian-opencryptoki.conf): its soft token slot
/// (libpkcs11_sw.so) becomes a soft token; the other STDLLs are a clear error naming each slot and the fix.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class _24_ClassicConfigTest
{
    private static string DebianConf => File.ReadAllText(Path.Combine(Repo.Root, "tests", "testdata", "debian-opencryptoki.conf"));

    [Fact]
    public void Debians_shipped_file_is_parsed_with_its_version_and_five_slots()
    {
        Assert.True(ClassicConfig.IsClassic(DebianConf));
        Assert.False(ClassicConfig.IsClassic(File.ReadAllText(Path.Combine(Repo.Root, "config", "opencryptoki.conf"))));
        var file = ClassicConfig.Parse(DebianConf);
        Assert.Equal("opencryptoki-3.1", file.Version);
        Assert.Equal(new ulong[] { 0, 1, 2, 3, 4 }, file.Slots.Select(s => s.Id));
        Assert.Equal("libpkcs11_sw.so", file.Slots[3].Get("stdll"));
        Assert.Equal("ep11tok.conf", file.Slots[4].Get("confname"));

        var e = Assert.Throws<ClassicConfigException>(() => ClassicConfig.ToHocon(DebianConf));
        Assert.Contains("slot 0 (line", e.Message);
        Assert.Contains("'libpkcs11_tpm.so'", e.Message);
        Assert.Contains("--skip-unsupported", e.Message);

        var hocon = ClassicConfig.ToHocon(DebianConf, "debian", skipUnsupported: true);
        Assert.Contains("{ id = 3, token-type = soft, token-name = \"swtok\", description = \"Linux\"", hocon);
        Assert.Contains("# slot 4: stdll = libpkcs11_ep11.so is not supported", hocon);
        Assert.Contains("{ id = 1, token-type = zcrypt, token-name = \"lite\", description = \"Linux\"", hocon);
        Assert.Contains("# slot 2: stdll = libpkcs11_cca.so is not supported", hocon);
        Assert.DoesNotContain("'libpkcs11_ica.so'", e.Message);
    }

    [Fact]
    public void Grammar_errors_name_the_line()
    {
        var e = Assert.Throws<ClassicConfigException>(() => ClassicConfig.Parse("version x\nslot 1\n{\n  stdll = libpkcs11_sw.so\n  colour = red\n}\n"));
        Assert.Contains("line 5: unknown key 'colour' in slot 1", e.Message);
        e = Assert.Throws<ClassicConfigException>(() => ClassicConfig.Parse("slot 1 {\n stdll = libpkcs11_sw.so\n"));
        Assert.Contains("unexpected end of file", e.Message);
    }

    [Fact]
    public void The_daemon_refuses_Debians_file_as_shipped_naming_the_unsupported_slots()
    {
        var dir = NewDir("classic-refuse");
        var conf = Path.Combine(dir, "opencryptoki.conf");
        File.WriteAllText(conf, DebianConf);
        using var daemon = SlotDaemon.WithConfigFile(dir, conf);
        var e = Assert.Throws<InvalidOperationException>(daemon.Start);
        Assert.Contains("exited with code 2", e.Message); // an invalid configuration (ock-slotd --check-config says the same)
        Assert.Contains("classic opencryptoki.conf", e.Message);
        Assert.Contains("slot 2 (line", e.Message);
        Assert.Contains("'libpkcs11_cca.so'", e.Message);
        Assert.DoesNotContain("'libpkcs11_ica.so'", e.Message); // the ICA slot is a zcrypt token now
        Directory.Delete(dir, true);
    }

    [Fact]
    public void The_daemon_runs_on_Debians_soft_token_slot_with_the_classic_keys_applied()
    {
        // Debian's file with the slot blocks of the other STDLLs removed, and the soft token customised as
        // opencryptoki.conf(5) documents.
        var text = DebianConf;
        var start = text.IndexOf("\nslot 0\n", StringComparison.Ordinal);
        var sw = text.IndexOf("\nslot 3\n", StringComparison.Ordinal);
        var after = text.IndexOf("\nslot 4\n", StringComparison.Ordinal);
        Assert.True(start > 0 && sw > start && after > sw);
        var classic = text[..start] + text[sw..after].Replace("stdll = libpkcs11_sw.so",
            "stdll = libpkcs11_sw.so\ntokname = debsw\ndescription = \"Debian soft token\"   # a comment\nmanufacturer = \"Example Inc.\"\nhwversion = 2.32\nfirmwareversion = 1.0\ntokversion = 3.12");

        var dir = NewDir("classic-run");
        var conf = Path.Combine(dir, "opencryptoki.conf");
        File.WriteAllText(conf, classic);
        using var daemon = SlotDaemon.WithConfigFile(dir, conf);
        daemon.Start();
        try
        {
            var r = Pkcs11Tool.RunWith(Repo.ModulePath, Env(daemon.SocketPath), "-L");
            Assert.True(r.ExitCode == 0, r + "\n" + daemon.OutputTail());
            Assert.Contains("Slot 0 (0x3): Debian soft token", r.Stdout);
            var probe = RunAs(null, Env(daemon.SocketPath), "probe", "3").Stdout;
            Assert.Matches(@"slot manufacturer=Example Inc\. +hw=2\.32 fw=1\.0", probe);

            using var admin = Admin(daemon);
            var slot = Assert.Single(admin.ListSlots());
            Assert.Equal((3UL, "soft", "debsw"), (slot.Id, slot.TokenType, slot.TokenName));
            Assert.Equal(0, daemon.Stop());
        }
        finally
        {
            Discard(daemon);
        }
    }
}
