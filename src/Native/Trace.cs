using System.Diagnostics;
using System.Text;
using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Native.Interop;

namespace OpenCryptokiActors.Native;

/// <summary>
/// The module's trace, as openCryptoki's OPENCRYPTOKI_TRACE_LEVEL: 0 off, 1 errors, 2 +warnings,
/// 3 +every call and its rv, 4 +arguments (handles, lengths, mechanism and attribute types), 5 +timings.
/// One file per process, opencryptoki-actors-trace.&lt;pid&gt; in $OPENCRYPTOKI_TRACE_DIR, else in a directory only the user
/// can write (see <see cref="DefaultDirectory"/>), never /tmp by default; the directory is created 0750 when missing, the
/// file is created new (O_CREAT|O_EXCL|O_NOFOLLOW: a planted file or symlink is never followed or appended to; another
/// name is taken instead) with mode 0640 and, where the group exists, group pkcs11 (as openCryptoki's
/// /var/log/opencryptoki/trace.&lt;pid&gt;). Never PINs, attribute values, data or key bytes: callers pass only handles,
/// types and lengths.
/// </summary>
internal static class Trace
{
    public const int Errors = 1;
    public const int Warnings = 2;
    public const int Calls = 3;
    public const int Arguments = 4;
    public const int Timings = 5;

    private static int s_level = ReadLevel();
    private static Sink? s_sink;

    public static int Level => s_level;

    public static bool On(int level) => s_level >= level;

    /// <summary>Re-reads the environment (at C_Initialize).</summary>
    public static void Configure() => s_level = ReadLevel();

    private static int ReadLevel()
    {
        var text = Environment.GetEnvironmentVariable("OPENCRYPTOKI_TRACE_LEVEL");
        return int.TryParse(text, out var level) ? Math.Clamp(level, 0, 5) : 0;
    }

    public static CallTrace Enter(string function) =>
        new(function, s_level >= Timings ? Stopwatch.GetTimestamp() : 0);

    public static void Error(string message) => Write(Errors, "ERROR", message);

    public static void Warning(string message) => Write(Warnings, "WARN ", message);

    public static void Info(string message) => Write(Calls, "INFO ", message);

    /// <summary>Arguments of a call (level 4). Build the message only after checking <c>On(Trace.Arguments)</c>.</summary>
    public static void Args(string function, string message) => Write(Arguments, "ARGS ", $"{function} {message}");

    private static void Write(int level, string tag, string message)
    {
        if (s_level < level) return;
        try
        {
            var pid = Libc.GetPid();
            var sink = s_sink;
            if (sink is null || sink.Pid != pid)
            {
                // First line of this process (or of a fork()ed child: the parent's lock may be held by a thread
                // that does not exist here, so the child gets its own sink, lock and file).
                sink = new Sink(pid);
                s_sink = sink;
            }

            sink.WriteLine($"{DateTime.UtcNow:yyyy-MM-dd HH:mm:ss.ffffff} [{Environment.CurrentManagedThreadId}] {tag} {message}");
        }
        catch
        {
            // Tracing must never change a call's outcome.
        }
    }

    /// <summary>Hex form used for handles, types and flags in the trace.</summary>
    public static string Hex(ulong value) => "0x" + value.ToString("x");

    public static unsafe string Ptr(void* p) => p == null ? "NULL" : "0x" + ((ulong)p).ToString("x");

    /// <summary>
    /// Where traces go without OPENCRYPTOKI_TRACE_DIR: $XDG_RUNTIME_DIR/opencryptoki-actors (the user's own runtime
    /// directory), else /var/log/opencryptoki-actors for root, else $HOME/.cache/opencryptoki-actors.
    /// </summary>
    public static string DefaultDirectory()
    {
        var runtime = Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR");
        if (!string.IsNullOrEmpty(runtime) && Path.IsPathRooted(runtime) && Libc.LinkStat(runtime) is { } st
            && (st.Mode & 0xF000) == 0x4000 && st.Uid == (int)Libc.GetEuid() && (st.Mode & 0x12) == 0)
            return Path.Combine(runtime, "opencryptoki-actors");
        if (Libc.GetEuid() == 0) return "/var/log/opencryptoki-actors";
        var home = Environment.GetEnvironmentVariable("HOME");
        return Path.Combine(string.IsNullOrEmpty(home) ? "/nonexistent" : home, ".cache", "opencryptoki-actors");
    }

    /// <summary>
    /// Creates a new trace file in <paramref name="dir"/> (made 0750 if missing): opencryptoki-actors-trace.&lt;pid&gt;,
    /// or .&lt;pid&gt;.N when that name is taken (left over, or planted); never follows a symlink. -1 when none can be made.
    /// </summary>
    public static int CreateFile(string dir, int pid)
    {
        if (Libc.LinkStat(dir) is null)
        {
            var parent = Path.GetDirectoryName(dir);
            if (parent is not null && Libc.LinkStat(parent) is null) Libc.Mkdir(parent, 0x1ED /* 0755 */);
            Libc.Mkdir(dir, 0x1E8 /* 0750 */);
        }

        for (var n = 0; n < 16; n++)
        {
            var name = Path.Combine(dir, n == 0 ? $"opencryptoki-actors-trace.{pid}" : $"opencryptoki-actors-trace.{pid}.{n}");
            var fd = Libc.Open(name, Libc.O_WRONLY | Libc.O_CREAT | Libc.O_EXCL | Libc.O_NOFOLLOW | Libc.O_APPEND | Libc.O_CLOEXEC, 0x1A0 /* 0640 */);
            if (fd >= 0)
            {
                Libc.Fchmod(fd, 0x1A0); // the umask does not narrow it further than 0640
                if (ConnectHelpGroup() is { } gid) Libc.Fchown(fd, -1, gid);
                return fd;
            }

            if (System.Runtime.InteropServices.Marshal.GetLastPInvokeError() != Libc.EEXIST) return -1;
        }

        return -1;
    }

    /// <summary>The gid of group pkcs11 (readers of traces, as openCryptoki's), or null.</summary>
    private static int? ConnectHelpGroup()
    {
        try
        {
            foreach (var line in File.ReadLines("/etc/group"))
            {
                var parts = line.Split(':');
                if (parts.Length >= 3 && parts[0] == "pkcs11" && int.TryParse(parts[2], out var gid)) return gid;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }

        return null;
    }

    private sealed unsafe class Sink(int pid)
    {
        private readonly Lock _gate = new();
        private int _fd = -1;
        private bool _failed;

        public int Pid { get; } = pid;

        public void WriteLine(string line)
        {
            lock (_gate)
            {
                if (_failed) return;
                if (_fd < 0)
                {
                    var dir = Environment.GetEnvironmentVariable("OPENCRYPTOKI_TRACE_DIR");
                    _fd = CreateFile(string.IsNullOrEmpty(dir) ? DefaultDirectory() : dir, Pid);
                    if (_fd < 0)
                    {
                        _failed = true;
                        return;
                    }
                }

                var bytes = Encoding.UTF8.GetBytes(line + "\n");
                fixed (byte* p = bytes)
                {
                    var done = 0;
                    while (done < bytes.Length)
                    {
                        var n = Libc.Write(_fd, p + done, (nuint)(bytes.Length - done));
                        if (n <= 0) return;
                        done += (int)n;
                    }
                }
            }
        }
    }

    /// <summary>
    /// Writes <paramref name="message"/> to syslog (LOG_USER, LOG_ERR), as openCryptoki logs its errors: for what the
    /// user must see without a trace level (a refused C_Initialize). Never a PIN or key bytes.
    /// </summary>
    public static unsafe void Syslog(string message)
    {
        try
        {
            var format = "%s\0"u8;
            var bytes = Encoding.UTF8.GetBytes($"libopencryptoki-actors[{Libc.GetPid()}]: {message}\0");
            fixed (byte* f = format)
            fixed (byte* m = bytes)
                Libc.Syslog(Libc.LOG_USER | Libc.LOG_ERR, f, m);
        }
        catch
        {
            // never changes a call's outcome
        }
    }
}

/// <summary>One call in the trace: its name and, at level 5, its start time. A value type: no allocation.</summary>
internal readonly struct CallTrace(string function, long start)
{
    public string Function => function;

    /// <summary>Traces the call's rv at level 3 (and its duration at level 5) and returns it.</summary>
    public ulong Return(ulong rv)
    {
        var level = Trace.Level;
        if (level < Trace.Calls) return rv;
        if (level >= Trace.Timings)
        {
            var micros = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
            Trace.Info($"{function} rv={CkRvNames.Name(rv)} ({micros:F1} us)");
        }
        else
        {
            Trace.Info($"{function} rv={CkRvNames.Name(rv)}");
        }

        return rv;
    }

    /// <summary>The end of every export: an exception never crosses the ABI.</summary>
    public ulong Fail(Exception e)
    {
        ulong rv;
        try
        {
            rv = e switch
            {
                OutOfMemoryException => CKR.HOST_MEMORY,
                Cryptoki.Wire.WireFormatException => CKR.DEVICE_ERROR,
                _ => CKR.GENERAL_ERROR,
            };
            Trace.Error($"{function}: {e.GetType().Name}: {e.Message}");
        }
        catch
        {
            return CKR.GENERAL_ERROR;
        }

        return Return(rv);
    }
}
