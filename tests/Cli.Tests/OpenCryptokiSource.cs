using OpenCryptokiActors.EndToEnd.Tests.Infrastructure;

namespace OpenCryptokiActors.Cli.Tests;

/// <summary>
/// Debian's openCryptoki (3.8.1) with its own pkcsslotd in a private mount + IPC namespace (as bench/run.sh does):
/// /var/lib/opencryptoki is bind-mounted from a temporary directory, so the soft token's files land in
/// <see cref="TokenDir"/>. The soft token is initialised with pkcsconf (SO PIN, User PIN).
/// </summary>
public sealed class OpenCryptokiSource : IDisposable
{
    public const string Module = "/usr/lib/x86_64-linux-gnu/opencryptoki/libopencryptoki.so.0";
    private readonly int _pid;

    public OpenCryptokiSource(string label, string soPin, string userPin)
    {
        WorkDir = Path.Combine(Path.GetTempPath(), "ock-occk-" + Guid.NewGuid().ToString("N")[..10]);
        var lib = Path.Combine(WorkDir, "lib");
        foreach (var t in new[] { "swtok", "tpm", "icsf", "lite", "ccatok", "ep11tok" }) Directory.CreateDirectory(Path.Combine(lib, t, "TOK_OBJ"));
        Directory.CreateDirectory(Path.Combine(WorkDir, "log"));
        Bash("chgrp -R pkcs11 \"$W\" && chmod -R 770 \"$W/lib\"");
        Bash("""
            unshare --mount --ipc --propagation private /bin/bash -c '
              set -e
              mount -t tmpfs -o mode=755 tmpfs /run
              for t in swtok tpm icsf lite ccatok ep11tok; do mkdir -p /run/lock/opencryptoki/$t; done
              chgrp -R pkcs11 /run/lock/opencryptoki && chmod -R 770 /run/lock/opencryptoki
              mount --bind "$1/lib" /var/lib/opencryptoki
              mount --bind "$1/log" /var/log/opencryptoki 2>/dev/null || true
              mount -t tmpfs -o mode=1777 tmpfs /dev/shm
              /usr/sbin/pkcsslotd
              for _ in $(seq 100); do [ -s /run/pkcsslotd.pid ] && break; sleep 0.05; done
              cat /run/pkcsslotd.pid > "$1/slotd.pid"' _ "$W"
            """);
        _pid = int.Parse(File.ReadAllText(Path.Combine(WorkDir, "slotd.pid")).Trim());
        var tokens = In("pkcsconf -t").Stdout;
        var slot = tokens.Split("Token #").Skip(1).First(b => b.Contains("IBM SoftTok"));
        Slot = slot[..slot.IndexOf(' ')];
        In($"echo {label} | pkcsconf -c {Slot} -I -S 87654321 && pkcsconf -c {Slot} -P -S 87654321 -n {soPin} && pkcsconf -c {Slot} -u -S {soPin} -n {userPin}");
    }

    public string WorkDir { get; }
    public string Slot { get; }
    public string TokenDir => Path.Combine(WorkDir, "lib", "swtok");

    /// <summary>pkcs11-tool on the soft token, inside the namespace; asserts success.</summary>
    public ProcessResult Tool(params string[] args) =>
        In($"pkcs11-tool --module {Module} --slot {Slot} " + string.Join(' ', args.Select(a => $"'{a}'")));

    private ProcessResult In(string script) =>
        Check(ProcessRunner.Run("nsenter", ["-t", _pid.ToString(), "-m", "-i", "--", "/bin/bash", "-c", script], null, TimeSpan.FromSeconds(120)));

    private ProcessResult Bash(string script) =>
        Check(ProcessRunner.Run("/bin/bash", ["-c", script], new Dictionary<string, string> { ["W"] = WorkDir }, TimeSpan.FromSeconds(60)));

    private static ProcessResult Check(ProcessResult r)
    {
        Assert.True(r.ExitCode == 0, r.ToString());
        return r;
    }

    public void Dispose()
    {
        if (_pid > 0) try { System.Diagnostics.Process.GetProcessById(_pid).Kill(); } catch (ArgumentException) { } catch (InvalidOperationException) { }
        try { Directory.Delete(WorkDir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
