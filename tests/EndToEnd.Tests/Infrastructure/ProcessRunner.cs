using System.Diagnostics;
using System.Text;

namespace OpenCryptokiActors.EndToEnd.Tests.Infrastructure;

public sealed record ProcessResult(string Command, int ExitCode, string Stdout, string Stderr, bool TimedOut)
{
    public string Output => Stdout + Stderr;

    public override string ToString() =>
        $"$ {Command}\nexit code {ExitCode}{(TimedOut ? " (timed out, killed)" : "")}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
}

/// <summary>Runs child processes (real processes, not threads) with a timeout and captured output.</summary>
public static class ProcessRunner
{
    public static ProcessResult Run(string file, IEnumerable<string> args, IDictionary<string, string>? env, TimeSpan timeout)
    {
        using var process = new Process { StartInfo = StartInfo(file, args, env) };
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data != null) lock (stdout) stdout.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (stderr) stderr.AppendLine(e.Data); };
        process.Start();
        process.StandardInput.Close(); // no prompt may wait for input
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var timedOut = !process.WaitForExit(timeout);
        if (timedOut)
            process.Kill(entireProcessTree: true);
        process.WaitForExit();
        lock (stdout) lock (stderr)
            return new ProcessResult(Describe(file, args), timedOut ? -1 : process.ExitCode, stdout.ToString(),
                stderr.ToString(), timedOut);
    }

    /// <summary>Starts a long-running child whose stdout lines can be awaited.</summary>
    public static RunningProcess Start(string file, IEnumerable<string> args, IDictionary<string, string>? env) =>
        new(StartInfo(file, args, env), Describe(file, args));

    private static ProcessStartInfo StartInfo(string file, IEnumerable<string> args, IDictionary<string, string>? env)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        if (env != null)
        {
            foreach (var (k, v) in env)
                psi.Environment[k] = v;
        }
        return psi;
    }

    private static string Describe(string file, IEnumerable<string> args) =>
        string.Join(' ', new[] { file }.Concat(args).Select(a => a.Contains(' ') ? $"'{a}'" : a));
}

public sealed class RunningProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly object _gate = new();

    public RunningProcess(ProcessStartInfo psi, string command)
    {
        Command = command;
        _process = new Process { StartInfo = psi };
        _process.OutputDataReceived += (_, e) => { if (e.Data != null) lock (_gate) _output.AppendLine(e.Data); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (_gate) _output.AppendLine("[err] " + e.Data); };
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Command { get; }
    public int Id => _process.Id;
    public bool HasExited => _process.HasExited;

    public string Output
    {
        get { lock (_gate) return _output.ToString(); }
    }

    /// <summary>Waits until a line equal to <paramref name="line"/> was printed; throws with the output otherwise.</summary>
    public void WaitForLine(string line, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < timeout)
        {
            if (Output.Split('\n').Any(l => l.TrimEnd('\r') == line))
                return;
            if (_process.HasExited && WaitForOutputEnd() && Output.Split('\n').All(l => l.TrimEnd('\r') != line))
                throw new InvalidOperationException($"{Command} exited with {_process.ExitCode} before printing {line}:\n{Output}");
            Thread.Sleep(20);
        }
        throw new TimeoutException($"{Command} did not print {line} within {timeout}:\n{Output}");
    }

    /// <summary>After the exit: waits until the redirected output was read to its end (the last lines may still be in flight).</summary>
    private bool WaitForOutputEnd()
    {
        _process.WaitForExit();
        return true;
    }

    public void Signal(int signal) => Libc.Kill(_process.Id, signal);

    /// <summary>Waits for the exit and, once exited, for the redirected output to be read to its end.</summary>
    public bool WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout)) return false;
        _process.WaitForExit(); // drains the asynchronous stdout/stderr readers
        return true;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
        _process.Dispose();
    }
}
