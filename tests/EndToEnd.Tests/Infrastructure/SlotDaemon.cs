using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace OpenCryptokiActors.EndToEnd.Tests.Infrastructure;

/// <summary>
/// A real <c>ock-slotd</c> process on a private socket and data directory. Started, stopped with SIGTERM, and
/// restarted on the same data directory.
/// </summary>
public sealed class SlotDaemon : IDisposable
{
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);
    public static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(30);

    private readonly object _logGate = new();
    private readonly StringBuilder _log = new();
    private Process? _process;

    /// <summary>A daemon on a generated config (--config) under <paramref name="baseDir"/>.</summary>
    /// <param name="group">opencryptoki.group: who besides root may connect.</param>
    /// <param name="extraConfig">More HOCON lines inside the opencryptoki block (e.g. socket-mode, admin settings).</param>
    public SlotDaemon(string baseDir, IReadOnlyList<SlotConfig> slots, int pbkdf2Iterations = 1000, string group = "pkcs11", string extraConfig = "")
    {
        BaseDir = baseDir;
        DataDir = Path.Combine(baseDir, "lib");
        RunDir = Path.Combine(baseDir, "run");
        SocketPath = Path.Combine(RunDir, "slotd.socket");
        PidFile = Path.Combine(RunDir, "slotd.pid");
        var configFile = Path.Combine(baseDir, "opencryptoki.conf");
        ConfigFile = configFile;
        Directory.CreateDirectory(DataDir);
        _group = group;
        _extraConfig = extraConfig;
        File.WriteAllText(configFile, RenderConfig(slots, pbkdf2Iterations));
    }

    private readonly string _group = "pkcs11";
    private readonly string _extraConfig = "";

    /// <summary>The admin socket (opencryptoki.admin.socket defaults to ./var/run/slotd-admin.socket in the working directory).</summary>
    public string AdminSocketPath => Path.Combine(BaseDir, "var", "run", "slotd-admin.socket");

    /// <summary>Rewrites the configuration file's slot table (for `ock slot reload`); takes effect on reload or restart.</summary>
    public void RewriteSlots(IReadOnlyList<SlotConfig> slots, int pbkdf2Iterations = 1000) =>
        File.WriteAllText(ConfigFile ?? throw new InvalidOperationException("no configuration file"), RenderConfig(slots, pbkdf2Iterations));

    private SlotDaemon(string workingDir, string? configFile = null)
    {
        BaseDir = workingDir;
        DataDir = Path.Combine(workingDir, "var", "lib");
        RunDir = Path.Combine(workingDir, "var", "run");
        SocketPath = Path.Combine(RunDir, "slotd.socket");
        PidFile = Path.Combine(RunDir, "slotd.pid");
        ConfigFile = configFile;
    }

    /// <summary>
    /// A daemon started in <paramref name="workingDir"/> with --config <paramref name="configFile"/>, a file that sets
    /// no paths (e.g. a classic opencryptoki.conf): socket, data and pid file under ./var as by default.
    /// </summary>
    public static SlotDaemon WithConfigFile(string workingDir, string configFile) => new(workingDir, configFile);

    /// <summary>
    /// A daemon started without arguments in <paramref name="workingDir"/>, which holds a copy of the repository's
    /// config/opencryptoki.conf: the deployable default (socket, data and pid file under ./var).
    /// </summary>
    public static SlotDaemon WithDeployableConfig(string workingDir)
    {
        Directory.CreateDirectory(Path.Combine(workingDir, "config"));
        File.Copy(Path.Combine(Repo.Root, "config", "opencryptoki.conf"),
            Path.Combine(workingDir, "config", "opencryptoki.conf"), overwrite: true);
        return new SlotDaemon(workingDir);
    }

    public string BaseDir { get; }
    public string DataDir { get; }
    public string RunDir { get; }
    public string SocketPath { get; }
    public string PidFile { get; }
    public string? ConfigFile { get; }
    public int? Pid => _process is { HasExited: false } p ? p.Id : null;

    /// <summary>More environment variables of the daemon process (e.g. NOTIFY_SOCKET).</summary>
    public Dictionary<string, string> Environment { get; } = new();

    /// <summary>More command-line arguments after --config (e.g. --user NAME).</summary>
    public IReadOnlyList<string> Arguments { get; set; } = [];
    public int StartCount { get; private set; }

    /// <summary>Everything the daemon printed so far (stdout and stderr, all runs), for failure messages.</summary>
    public string Output
    {
        get { lock (_logGate) return _log.ToString(); }
    }

    /// <summary>The tail of <see cref="Output"/>, short enough for an assertion message.</summary>
    public string OutputTail(int chars = 6000)
    {
        var all = Output;
        return all.Length <= chars ? all : "…" + all[^chars..];
    }

    public void Start()
    {
        if (_process is { HasExited: false })
            throw new InvalidOperationException("ock-slotd is already running.");
        var daemon = Repo.DaemonPath;
        if (!File.Exists(daemon))
            throw new InvalidOperationException(
                $"ock-slotd not found at {daemon}. Build the solution (dotnet build OpenCryptokiActors.sln -c Release) " +
                "or set OCK_SLOTD to ock-slotd.dll / an ock-slotd executable.");

        var psi = daemon.EndsWith(".dll", StringComparison.Ordinal)
            ? new ProcessStartInfo("dotnet") { ArgumentList = { daemon } }
            : new ProcessStartInfo(daemon);
        if (ConfigFile != null)
        {
            psi.ArgumentList.Add("--config");
            psi.ArgumentList.Add(ConfigFile);
        }
        foreach (var a in Arguments) psi.ArgumentList.Add(a);
        foreach (var (k, v) in Environment) psi.Environment[k] = v;
        psi.WorkingDirectory = BaseDir;
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = true;
        psi.RedirectStandardInput = false;
        psi.UseShellExecute = false;

        StartCount++;
        Append($"===== ock-slotd start #{StartCount}: {daemon} {(ConfigFile == null ? "" : "--config " + ConfigFile)} (in {BaseDir})\n");
        var process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => { if (e.Data != null) Append("[out] " + e.Data + "\n"); };
        process.ErrorDataReceived += (_, e) => { if (e.Data != null) Append("[err] " + e.Data + "\n"); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;

        var watch = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited)
            {
                process.WaitForExit();
                throw new InvalidOperationException(
                    $"ock-slotd exited with code {process.ExitCode} before listening on {SocketPath}.\n{OutputTail()}");
            }
            // Ready = serving (it says so once every token is recovered: before that a Hello is answered "starting"),
            // listening, and the PID file written.
            var serving = Occurrences(Output, "ock-slotd: listening on ") >= StartCount;
            var listening = serving && CanConnect();
            var pidWritten = PidFileHolds(process.Id);
            if (listening && pidWritten)
                break;
            if (watch.Elapsed > StartTimeout)
            {
                Kill();
                throw new TimeoutException(
                    $"ock-slotd not ready within {StartTimeout.TotalSeconds} s: listening on {SocketPath}: {listening}, " +
                    $"pid {process.Id} in {PidFile}: {pidWritten}.\n{OutputTail()}");
            }
            Thread.Sleep(50);
        }
        Append($"===== ock-slotd listening after {watch.ElapsedMilliseconds} ms (pid {process.Id})\n");
    }

    /// <summary>SIGTERM, then wait for a clean exit. Returns the exit code; throws if it does not stop.</summary>
    public int Stop()
    {
        var process = _process ?? throw new InvalidOperationException("ock-slotd is not running.");
        _process = null;
        if (!process.HasExited)
        {
            Libc.Kill(process.Id, Libc.SIGTERM);
            if (!process.WaitForExit(StopTimeout))
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
                throw new TimeoutException(
                    $"ock-slotd did not stop within {StopTimeout.TotalSeconds} s of SIGTERM.\n{OutputTail()}");
            }
        }
        process.WaitForExit(); // drains the redirected output
        Append($"===== ock-slotd exited with code {process.ExitCode}\n");
        var code = process.ExitCode;
        process.Dispose();
        return code;
    }

    /// <summary>Stops the daemon (SIGTERM) and starts it again on the same data directory and socket.</summary>
    public int Restart()
    {
        var code = Stop();
        Start();
        return code;
    }

    private static int Occurrences(string text, string what)
    {
        var n = 0;
        for (var i = text.IndexOf(what, StringComparison.Ordinal); i >= 0; i = text.IndexOf(what, i + what.Length, StringComparison.Ordinal)) n++;
        return n;
    }

    private bool PidFileHolds(int pid)
    {
        try
        {
            return File.Exists(PidFile) && File.ReadAllText(PidFile).Trim() == pid.ToString();
        }
        catch (IOException)
        {
            return false;
        }
    }

    public bool CanConnect()
    {
        if (!File.Exists(SocketPath))
            return false;
        try
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            socket.Connect(new UnixDomainSocketEndPoint(SocketPath));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private void Kill()
    {
        try
        {
            _process?.Kill(entireProcessTree: true);
            _process?.WaitForExit();
        }
        catch (InvalidOperationException)
        {
        }
        _process = null;
    }

    private void Append(string line)
    {
        lock (_logGate)
        {
            _log.Append(line);
            if (_log.Length > 2_000_000)
                _log.Remove(0, _log.Length - 1_000_000);
        }
    }

    public void Dispose()
    {
        if (_process is { HasExited: false })
        {
            try
            {
                Stop();
            }
            catch (TimeoutException)
            {
            }
        }
        Kill();
    }

    private string RenderConfig(IReadOnlyList<SlotConfig> slots, int pbkdf2Iterations)
    {
        var sb = new StringBuilder();
        sb.Append("# written by the end-to-end test fixture\n");
        sb.Append("opencryptoki {\n");
        sb.Append($"  data-dir = \"{DataDir}\"\n");
        sb.Append($"  socket   = \"{SocketPath}\"\n");
        sb.Append($"  pid-file = \"{PidFile}\"\n");
        sb.Append($"  group    = \"{_group}\"\n");
        if (_extraConfig.Length > 0) sb.Append(_extraConfig).Append('\n');
        sb.Append($"  pbkdf2-iterations = {pbkdf2Iterations}\n");
        sb.Append("  slots = [\n");
        foreach (var s in slots)
        {
            sb.Append($"    {{ id = {s.Id}, token-type = {s.TokenType}, token-name = {s.TokenName}, " +
                      $"description = \"{s.Description}\", max-login-failures = {s.MaxLoginFailures}" +
                      (s.Group is null ? "" : $", group = \"{s.Group}\"") +
                      (s.Policy is null ? "" : $", policy {{ {s.Policy} }}") +
                      (s.KeyManagement is null ? "" : $", key-management = {s.KeyManagement}") + (s.Extra is null ? "" : ", " + s.Extra) + " }\n");
        }
        sb.Append("  ]\n}\n");
        return sb.ToString();
    }
}

/// <param name="Policy">The body of the slot's HOCON policy block (null: none).</param>
/// <param name="KeyManagement">The slot's key-management (strict | permissive; null: the default, strict).</param>
/// <param name="TokenType">soft or zcrypt.</param>
/// <param name="Extra">More HOCON keys of the slot (e.g. "fallback = fail"), or null.</param>
public sealed record SlotConfig(ulong Id, string TokenName, string Description, int MaxLoginFailures = 10, string? Group = null, string? Policy = null,
    string? KeyManagement = null, string TokenType = "soft", string? Extra = null);
