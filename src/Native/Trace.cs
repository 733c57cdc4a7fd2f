using System.Diagnostics;
using System.Text;
using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Native.Interop;

namespace OpenCryptokiActors.Native;

/// <summary>
/// The module's trace, as openCryptoki's OPENCRYPTOKI_TRACE_LEVEL: 0 off, 1 errors, 2 +warnings,
/// 3 +every call and its rv, 4 +arguments (handles, lengths, mechanism and attribute types), 5 +timings.
/// One file per process: $OPENCRYPTOKI_TRACE_DIR (default /tmp)/opencryptoki-actors-trace.&lt;pid&gt;.
/// Never PINs, attribute values, data or key bytes: callers pass only handles, types and lengths.
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

    private sealed class Sink(int pid)
    {
        private readonly Lock _gate = new();
        private FileStream? _file;
        private bool _failed;

        public int Pid { get; } = pid;

        public void WriteLine(string line)
        {
            lock (_gate)
            {
                if (_failed) return;
                if (_file is null)
                {
                    var dir = Environment.GetEnvironmentVariable("OPENCRYPTOKI_TRACE_DIR");
                    if (string.IsNullOrEmpty(dir)) dir = "/tmp";
                    try
                    {
                        _file = new FileStream(Path.Combine(dir, $"opencryptoki-actors-trace.{Pid}"),
                            FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0);
                    }
                    catch
                    {
                        _failed = true;
                        return;
                    }
                }

                _file.Write(Encoding.UTF8.GetBytes(line + "\n"));
            }
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
