using System.Text;

namespace OpenCryptokiActors.Cli.Core;

/// <summary>
/// Where PINs and passwords come from: a file (<c>--pin-file</c>, a URI's <c>pin-source</c>), the environment
/// (<c>OCK_PIN</c>, <c>OCK_SO_PIN</c>, <c>OCK_NEW_PIN</c>, <c>OCK_PASSWORD</c>), or a no-echo prompt on the terminal.
/// Never the command line; never echoed or logged.
/// </summary>
public static class Pins
{
    public const string UserPinVariable = "OCK_PIN";
    public const string SoPinVariable = "OCK_SO_PIN";
    public const string NewPinVariable = "OCK_NEW_PIN";
    public const string PasswordVariable = "OCK_PASSWORD";

    /// <summary>
    /// A secret: from <paramref name="file"/> (first line), else <paramref name="variable"/>, else a prompt on the
    /// terminal (asked twice when <paramref name="confirm"/>). Without a terminal: a usage error naming the sources.
    /// </summary>
    public static string Get(string what, string? file, string variable, bool confirm = false)
    {
        if (!string.IsNullOrEmpty(file))
        {
            if (file.StartsWith("file:", StringComparison.Ordinal)) file = file["file:".Length..];
            if (!File.Exists(file)) throw new UsageException($"{what} file not found: {file}");
            return File.ReadLines(file).FirstOrDefault()?.TrimEnd('\r') ?? "";
        }
        if (Environment.GetEnvironmentVariable(variable) is { Length: > 0 } fromEnv)
            return fromEnv;
        if (Console.IsInputRedirected)
            throw new UsageException($"no {what}: give a file (see --help) or set {variable}; " +
                                     "there is no terminal to prompt on");
        var first = Prompt($"{what}: ");
        if (!confirm) return first;
        var second = Prompt($"{what} (again): ");
        if (first != second) throw new UsageException($"the two entries of the {what} differ");
        return first;
    }

    /// <summary>Reads a line from the terminal without echoing it (Backspace edits, Ctrl-C aborts).</summary>
    public static string Prompt(string prompt)
    {
        Console.Error.Write(prompt);
        var sb = new StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter) break;
            if (key.Key == ConsoleKey.Backspace)
            {
                if (sb.Length > 0) sb.Length--;
                continue;
            }
            if (key.KeyChar != '\0' && !char.IsControl(key.KeyChar)) sb.Append(key.KeyChar);
        }
        Console.Error.WriteLine();
        return sb.ToString();
    }
}
