using SharpFuzz;

namespace OpenCryptokiActors.Fuzz;

/// <summary>
/// <c>Fuzz TARGET</c> runs TARGET under afl-fuzz (SharpFuzz); <c>Fuzz replay TARGET PATH...</c> runs files once and
/// prints what each unexpected exception was; <c>Fuzz client SOCKET SECONDS [SEED]</c> drives a live daemon.
/// </summary>
public static class Cli
{
    private static readonly Dictionary<string, Action<ReadOnlySpan<byte>>> Targets = new()
    {
        ["frame"] = FrameDecoder.Decode,
        ["hello"] = input => Cryptoki.Wire.HelloRequest.Parse(input),
        ["mechparams"] = ParamDecoders.FromInput,
        ["hocon"] = HoconTarget.Load,
    };

    public static int Main(string[] args)
    {
        foreach (var op in WireGrammar.AllOpcodes)
            if (!WireGrammar.Requests.ContainsKey(op)) throw new InvalidOperationException($"no grammar for {op}");

        if (args is ["client", var socket, var seconds, ..])
            return RandomClient.Run(socket, TimeSpan.FromSeconds(double.Parse(seconds)), args.Length > 3 ? int.Parse(args[3]) : Environment.ProcessId);
        if (args is ["replay", var name, .. var paths] && Targets.TryGetValue(name, out var replayed))
            return Replay(name, replayed, paths);
        if (args is [var target] && Targets.TryGetValue(target, out var run))
        {
            void One(Stream stream)
            {
                using var ms = new MemoryStream();
                stream.CopyTo(ms);
                Guarded(run, ms.GetBuffer().AsSpan(0, (int)ms.Length));
            }

            // The HOCON loader runs in a child process that SharpFuzz restarts: in one persistent process the fork
            // server was lost after a few hundred inputs (no crash saved), which a restarting child reports instead.
            if (target == "hocon") Fuzzer.OutOfProcess.Run(One);
            else Fuzzer.Run(One);
            return 0;
        }

        Console.Error.WriteLine("usage: Fuzz frame|hello|mechparams|hocon | Fuzz replay TARGET PATH... | Fuzz client SOCKET SECONDS [SEED]");
        return 2;
    }

    /// <summary>Runs one input; expected refusals are swallowed, anything else escapes (a finding).</summary>
    private static void Guarded(Action<ReadOnlySpan<byte>> target, ReadOnlySpan<byte> input)
    {
        try
        {
            target(input);
        }
        catch (Exception e) when (FrameDecoder.IsExpected(e) || HoconTarget.IsExpected(e))
        {
        }
    }

    private static int Replay(string name, Action<ReadOnlySpan<byte>> target, string[] paths)
    {
        var files = paths.SelectMany(p => Directory.Exists(p) ? Directory.EnumerateFiles(p, "*", SearchOption.AllDirectories) : [p])
            .Where(f => !Path.GetFileName(f).StartsWith("README", StringComparison.Ordinal)).Order().ToList();
        var findings = 0;
        foreach (var file in files)
        {
            try
            {
                Guarded(target, File.ReadAllBytes(file));
            }
            catch (Exception e)
            {
                findings++;
                var frame = e.StackTrace?.Split('\n').FirstOrDefault()?.Trim() ?? "";
                Console.WriteLine($"{name} {file}: {e.GetType().Name}: {e.Message} {frame}");
            }
        }

        Console.WriteLine($"{name}: {files.Count} inputs, {findings} findings");
        return findings == 0 ? 0 : 1;
    }
}
