using OpenCryptokiActors.EndToEnd.Tests.Infrastructure;
using OpenCryptokiActors.Interop.Tests.Infrastructure;

namespace OpenCryptokiActors.Interop.Tests;

/// <summary>
/// OpenSSH (Debian openssh-client): <c>ssh-keygen -D</c> reads the token's public keys; <c>ssh-add -s</c> loads them
/// into a running ssh-agent (the PIN through SSH_ASKPASS, as ssh-add(1) documents; the agent's -P allow-list names
/// the module's directory); <c>ssh-keygen -Y sign</c> signs with the agent's key and <c>-Y verify</c> accepts it.
/// </summary>
[Collection(InteropCollection.Name)]
public sealed class OpenSshTests(SshDaemonFixture fx) : IClassFixture<SshDaemonFixture>
{
    private static readonly (string Label, string Id, string KeyType, string SshType)[] Keys =
    [
        ("ssh-rsa-key", "01", "rsa:2048", "ssh-rsa"),
        ("ssh-ec-key", "02", "EC:prime256v1", "ecdsa-sha2-nistp256"),
        ("ssh-ec384-key", "03", "EC:secp384r1", "ecdsa-sha2-nistp384"),
    ];

    private static void GenerateKeys(Token t)
    {
        foreach (var k in Keys)
            t.Pkcs11ToolUser("--keypairgen", "--key-type", k.KeyType, "--id", k.Id, "--label", k.Label);
    }

    /// <summary>The token's public key <paramref name="label"/> in OpenSSH's format, converted by ssh-keygen -i from what pkcs11-tool reads.</summary>
    private static string ExpectedSshKey(Token t, string id) =>
        t.Ok("ssh-keygen", "-i", "-m", "PKCS8", "-f", t.PublicKeyPem(id)).Stdout.Trim();

    [Fact]
    public void Ssh_keygen_D_prints_the_tokens_public_keys()
    {
        var t = fx.Fresh("ssh-list");
        GenerateKeys(t);
        var r = t.Ok("ssh-keygen", "-D", t.Module);
        var lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var k in Keys)
        {
            var line = Assert.Single(lines, l => l.EndsWith(" " + k.Label, StringComparison.Ordinal));
            Assert.StartsWith(k.SshType + " ", line);
            Assert.Equal(ExpectedSshKey(t, k.Id), line[..^(k.Label.Length + 1)]);
        }
    }

    [Fact]
    public void Ssh_add_s_loads_the_keys_into_ssh_agent_and_ssh_keygen_Y_signs_with_them()
    {
        var t = fx.Fresh("ssh-agent");
        GenerateKeys(t);
        var moduleDir = Path.GetDirectoryName(t.Ok("readlink", "-f", t.Module).Stdout.Trim())!;
        var agentSocket = t.File("agent.sock");
        using var agent = ProcessRunner.Start(Tools.Find("ssh-agent"), ["-D", "-a", agentSocket, "-P", moduleDir + "/*"], t.Env());
        Tools.WaitFor(agent, "SSH_AUTH_SOCK=" + agentSocket, Token.Timeout);

        var askpass = t.File("askpass.sh");
        File.WriteAllText(askpass, $"#!/bin/sh\necho {Token.UserPin}\n");
        File.SetUnixFileMode(askpass, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var agentEnv = t.Env(("SSH_AUTH_SOCK", agentSocket), ("SSH_ASKPASS", askpass), ("SSH_ASKPASS_REQUIRE", "force"));

        var add = ProcessRunner.Run(Tools.Find("ssh-add"), ["-s", t.Module], agentEnv, Token.Timeout);
        Assert.True(add.ExitCode == 0, $"{add}\n--- ssh-agent\n{agent.Output}");
        Assert.Contains("Card added: " + t.Module, add.Output);
        var listed = t.OkWith(agentEnv, "ssh-add", "-L").Stdout;

        var message = t.File("message.txt");
        File.WriteAllText(message, "signed by a key on the token, through ssh-agent\n");
        foreach (var k in Keys)
        {
            var expected = ExpectedSshKey(t, k.Id);
            Assert.Contains(expected + " " + k.Label, listed);
            var pub = t.File(k.Label + ".pub");
            File.WriteAllText(pub, expected + "\n");
            var signed = t.File(k.Label + ".txt");
            File.Copy(message, signed);
            var sign = t.OkWith(agentEnv, "ssh-keygen", "-Y", "sign", "-f", pub, "-n", "file", signed);
            Assert.Contains($"Write signature to {signed}.sig", sign.Output);
            Assert.StartsWith("-----BEGIN SSH SIGNATURE-----", File.ReadAllText(signed + ".sig"));

            var allowed = t.File("allowed_signers");
            File.WriteAllText(allowed, $"tester@example {expected}\n");
            var verify = t.OkWith(t.Env(), "sh", "-c", "exec ssh-keygen -Y verify -f \"$1\" -I tester@example -n file -s \"$2\" < \"$3\"",
                "sh", allowed, signed + ".sig", signed);
            Assert.Contains("Good \"file\" signature for tester@example with", verify.Output);

            // A changed file is refused.
            File.AppendAllText(signed, "tampered\n");
            var bad = ProcessRunner.Run("/bin/sh", ["-c", "exec ssh-keygen -Y verify -f \"$1\" -I tester@example -n file -s \"$2\" < \"$3\"",
                "sh", allowed, signed + ".sig", signed], t.Env(), Token.Timeout);
            Assert.NotEqual(0, bad.ExitCode);
        }
    }
}
