using System.Text.Json;
using System.Text.Json.Nodes;
using Spectre.Console;

namespace OpenCryptokiActors.Cli.Core;

/// <summary>
/// Everything ock prints goes through here: tables (Spectre.Console, colour only on a terminal), JSON for
/// <c>--json</c>, plain lines, and messages on stderr. Wide enough when redirected that tables do not wrap.
/// </summary>
public static class Output
{
    private static readonly Lazy<IAnsiConsole> Console_ = new(() =>
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(Console.Out),
            Ansi = Console.IsOutputRedirected ? AnsiSupport.No : AnsiSupport.Detect,
            ColorSystem = Console.IsOutputRedirected ? ColorSystemSupport.NoColors : ColorSystemSupport.Detect,
            Interactive = Console.IsOutputRedirected ? InteractionSupport.No : InteractionSupport.Detect,
        });
        if (Console.IsOutputRedirected) console.Profile.Width = 400;
        return console;
    });

    public static IAnsiConsole Terminal => Console_.Value;

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };

    public static void Json(JsonNode node) => Console.Out.WriteLine(node.ToJsonString(JsonOptions));

    /// <summary>A table of rows; each row a list of cells in <paramref name="columns"/> order.</summary>
    public static void Table(string[] columns, IEnumerable<string?[]> rows, string? title = null)
    {
        var table = new Table { Border = Console.IsOutputRedirected ? TableBorder.Simple : TableBorder.Rounded };
        if (title != null) table.Title = new TableTitle(Markup.Escape(title));
        foreach (var c in columns) table.AddColumn(new TableColumn($"[bold]{Markup.Escape(c)}[/]"));
        foreach (var row in rows) table.AddRow(row.Select(cell => (Spectre.Console.Rendering.IRenderable)new Text(cell ?? "")).ToArray());
        Terminal.Write(table);
    }

    /// <summary>Name/value lines, aligned ("label:   value").</summary>
    public static void Fields(IEnumerable<(string Name, string? Value)> fields, string indent = "")
    {
        var list = fields.ToList();
        var width = list.Count == 0 ? 0 : list.Max(f => f.Name.Length) + 2;
        foreach (var (name, value) in list)
            Console.Out.WriteLine($"{indent}{(name + ":").PadRight(width)}{value}");
    }

    public static void Line(string text = "") => Console.Out.WriteLine(text);

    public static void Error(string message) => Console.Error.WriteLine("ock: " + message);

    /// <summary>A progress bar on a terminal; nothing at all when output is redirected.</summary>
    public static void Progress(string what, int total, Action<Action> work)
    {
        if (Console.IsOutputRedirected || total < 2)
        {
            work(() => { });
            return;
        }
        Terminal.Progress().Start(ctx =>
        {
            var task = ctx.AddTask(Markup.Escape(what), maxValue: total);
            work(() => task.Increment(1));
        });
    }
}
