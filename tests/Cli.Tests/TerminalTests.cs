using System.Diagnostics;

namespace OpenCryptokiActors.Cli.Tests;

/// <summary>The no-echo PIN prompt on a real terminal: tmux send-keys / capture-pane (needs tmux).</summary>
public sealed class TerminalTests
{
    [Fact]
    public void Pin_prompt_reads_from_the_terminal_without_echo()
    {
        Assert.True(Shell.Run("tmux", "-V").ExitCode == 0, "tmux is not installed (apt-get install tmux)");
        var t = Targets.SoftHsm("tty");
        var session = "ock-" + Guid.NewGuid().ToString("N")[..8];
        var command = $"dotnet {Target.OckDll} --module {t.Module} pin change --user --token {t.TokenLabel}; echo EXIT=$?; sleep 60";
        Shell.Ok("tmux", "new-session", "-d", "-s", session, "-x", "200", "-y", "50", "-e", $"SOFTHSM2_CONF={t.Env["SOFTHSM2_CONF"]}",
            "sh", "-c", command);
        try
        {
            WaitFor(session, "User PIN:");
            Shell.Ok("tmux", "send-keys", "-t", session, "-l", Target.UserPin);
            Shell.Ok("tmux", "send-keys", "-t", session, "Enter");
            WaitFor(session, "new User PIN:");
            Shell.Ok("tmux", "send-keys", "-t", session, "-l", "24681357");
            Shell.Ok("tmux", "send-keys", "-t", session, "Enter");
            WaitFor(session, "new User PIN (again):");
            Shell.Ok("tmux", "send-keys", "-t", session, "-l", "24681357");
            Shell.Ok("tmux", "send-keys", "-t", session, "Enter");
            var screen = WaitFor(session, "EXIT=");
            Assert.Contains("User PIN changed", screen);
            Assert.Contains("EXIT=0", screen);
            Assert.DoesNotContain(Target.UserPin, screen);
            Assert.DoesNotContain("24681357", screen);
        }
        finally
        {
            Shell.Run("tmux", "kill-session", "-t", session);
        }
        // The new PIN works.
        Assert.Equal(0, t.RunEnv([("OCK_PIN", "24681357")], "key", "list", "--token", t.TokenLabel).ExitCode);
    }

    private static string WaitFor(string session, string text)
    {
        var watch = Stopwatch.StartNew();
        var screen = "";
        while (watch.Elapsed < TimeSpan.FromSeconds(60))
        {
            screen = Shell.Run("tmux", "capture-pane", "-p", "-t", session).Stdout;
            if (screen.Contains(text, StringComparison.Ordinal)) return screen;
            Thread.Sleep(100);
        }
        throw new TimeoutException($"'{text}' did not appear on the terminal:\n{screen}");
    }
}
