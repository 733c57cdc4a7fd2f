using OpenCryptokiActors.EndToEnd.Tests.Infrastructure;
using static OpenCryptokiActors.EndToEnd.Tests.Infrastructure.DaemonKit;

namespace OpenCryptokiActors.EndToEnd.Tests;

/// <summary>
/// clients/misuse.c drives the real module as a careless C caller does: calls before C_Initialize and after
/// C_Finalize, NULL pointers and length pointers, short buffers, wrong lengths, invalid handles, a fork child and
/// concurrent C_Finalize. Every call must answer the code PKCS#11 3.0 section 5 gives, and the client must neither crash
/// nor hang (it runs under a deadline).
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class _50_AbiMisuseTest(EndToEndFixture fx)
{
    private ProcessResult RunMisuse()
    {
        using (var lib = fx.Load()) fx.FreshToken(lib, Slots.Misuse, "misuse");
        var dir = NewDir("misuse");
        var client = Path.Combine(dir, "misuse");
        var source = Path.Combine(AppContext.BaseDirectory, "clients", "misuse.c");
        var build = ProcessRunner.Run("gcc", ["-O1", "-Wall", "-Werror", "-I/usr/include/p11-kit-1", "-o", client, source, "-ldl", "-lpthread"],
            null, TimeSpan.FromSeconds(120));
        Assert.True(build.ExitCode == 0, "gcc could not build misuse.c (needs gcc, libp11-kit-dev):\n" + build);
        return ProcessRunner.Run(client, [Repo.ModulePath, Slots.Misuse.ToString(), EndToEndFixture.UserPin], fx.ChildEnvironment(), TimeSpan.FromSeconds(120));
    }

    [Fact]
    public void Every_misuse_gets_the_spec_code_and_the_client_neither_crashes_nor_hangs()
    {
        var r = RunMisuse();
        var lines = r.Stdout.Split('\n');
        var bad = lines.Where(l => l.StartsWith("BAD ", StringComparison.Ordinal)).ToList();
        Assert.True(bad.Count == 0, "wrong codes:\n" + string.Join('\n', bad) + "\n---\n" + r);
        Assert.True(r.ExitCode == 0 && lines.Contains("DONE bad=0"), r.ToString());
        // The checks that matter most by name: the operation ended by a refused C_Encrypt, the fork child, concurrent C_Finalize.
        foreach (var name in new[] { "OK Encrypt NULL-length-pointer rv=0x7", "OK Encrypt after-error-ended rv=0x91", "OK Digest after-error-ended rv=0x91",
                     "OK before-init GetSlotList rv=0x190", "OK after-finalize Finalize rv=0x190" })
            Assert.Contains(name, lines);
        Assert.Contains(lines, l => l.StartsWith("OK fork child", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("OK concurrent finalize", StringComparison.Ordinal));
        Assert.True(lines.Count(l => l.StartsWith("OK ", StringComparison.Ordinal)) >= 70, r.Stdout);
    }
}
