using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;

namespace OpenCryptokiActors.Cli.Core;

/// <summary>
/// "Examples:" sections for --help. Each command registers its examples with <see cref="Examples"/>; the root's
/// help action prints System.CommandLine's help and then the examples of the command asked about.
/// </summary>
public static class Help
{
    private static readonly Dictionary<Command, string[]> ExamplesByCommand = [];

    public static T Examples<T>(this T command, params string[] examples) where T : Command
    {
        ExamplesByCommand[command] = examples;
        return command;
    }

    /// <summary>Wraps the root's help option so that examples follow the generated help.</summary>
    public static void Install(RootCommand root)
    {
        var option = root.Options.OfType<HelpOption>().Single();
        if (option.Action is HelpAction inner) option.Action = new ExamplesAction(inner);
    }

    private sealed class ExamplesAction(HelpAction inner) : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            var rc = inner.Invoke(parseResult);
            if (ExamplesByCommand.TryGetValue(parseResult.CommandResult.Command, out var examples))
            {
                var output = parseResult.InvocationConfiguration.Output;
                output.WriteLine("Examples:");
                foreach (var e in examples) output.WriteLine("  " + e);
                output.WriteLine();
            }
            return rc;
        }
    }
}
