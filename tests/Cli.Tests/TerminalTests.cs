using System.Diagnostics;

namespace OpenCryptokiActors.Cli.Tests;

/// <summary>The no-echo PIN prompt and the progress bar on a real terminal: tmux send-keys / capture-pane (needs tmux).</summary>
public sealed class TerminalTests
{
    [Fact]
    public void Pin_prompt_reads_from_the_terminal_without_echo()
    {
        Assert.True(Shell.Run("tmux", "-V").ExitCode == 0, "tmux is not installed (apt-get install tmux)");
        var t = Targets.SoftHsm("tty");
        var session = "ock-" + Guid.NewGuid().ToString("N")[..8];
        var command = $"dotnet {Target.OckDll} --module {t.Module} pin change --user --token {t.TokenLabel}; echo EXIT=$?; sleep 300";
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

    [Fact]
    public void Bulk_generation_shows_a_progress_bar_on_a_terminal_and_nothing_of_it_in_a_file()
    {
        Assert.True(Shell.Run("tmux", "-V").ExitCode == 0, "tmux is not installed (apt-get install tmux)");
        var t = Targets.SoftHsm("bar");
        var session = "ock-" + Guid.NewGuid().ToString("N")[..8];
        var ock = $"dotnet {Target.OckDll} --module {t.Module} key generate aes --token {t.TokenLabel} --count 60";
        var file = t.File("piped.txt");
        var command = $"{ock} --label tty; echo EXIT=$?; {ock} --label piped > {file}; echo PIPED=$?; sleep 300";
        Shell.Ok("tmux", "new-session", "-d", "-s", session, "-x", "200", "-y", "50", "-e", $"SOFTHSM2_CONF={t.Env["SOFTHSM2_CONF"]}",
            "-e", $"OCK_PIN={Target.UserPin}", "-e", "TERM=xterm-256color", "sh", "-c", command);
        string running, screen;
        try
        {
            running = WaitFor(session, "Generating 60 aes keys");
            screen = WaitFor(session, "PIPED=", history: true);
        }
        finally
        {
            Shell.Run("tmux", "kill-session", "-t", session);
        }
        Assert.Contains("EXIT=0", screen);
        Assert.Contains("PIPED=0", screen);
        // While it runs, and as it ends (in the scroll-back: the key lines follow it): the bar, with its percentage.
        Assert.Contains("━", running);
        Assert.Contains("%", running.Split('\n').First(l => l.Contains("Generating 60 aes keys", StringComparison.Ordinal)));
        var bar = screen.Split('\n').Last(l => l.Contains("Generating 60 aes keys", StringComparison.Ordinal));
        Assert.Contains("100%", bar);
        Assert.Contains("━", bar);
        Assert.Contains("object=tty-60;type=secret-key", screen);

        // The same command with its output in a file: the 60 key lines, no progress bar, no escape sequences.
        var text = File.ReadAllText(file);
        Assert.Equal(60, text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Count(l => l.StartsWith("secret aes 256: ", StringComparison.Ordinal)));
        Assert.DoesNotContain("Generating", text);
        Assert.DoesNotContain("━", text);
        Assert.DoesNotContain("\u001b", text);
        Assert.DoesNotContain(" 100%", text);
    }

    private static string WaitFor(string session, string text, bool history = false)
    {
        var watch = Stopwatch.StartNew();
        var screen = "";
        while (watch.Elapsed < TimeSpan.FromSeconds(180))
        {
            screen = Shell.Run("tmux", ["capture-pane", "-p", "-t", session, .. history ? new[] { "-S", "-1000" } : []]).Stdout;
            if (screen.Contains(text, StringComparison.Ordinal)) return screen;
            Thread.Sleep(100);
        }
        throw new TimeoutException($"'{text}' did not appear on the terminal:\n{screen}");
    }
}
