// chart - draws bench/results/latest.png from bench/summarize.py's JSON: our ops/s ÷ the faster
// peer's, per case and thread count, on a log scale (1.0× = as fast as the faster peer).
//
//   dotnet chart.dll bench/results/latest.json bench/results/latest.png
using System.Globalization;
using System.Text.Json;
using ScottPlot;

if (args is ["rss", var samples, var png]) return OpenCryptokiActors.Bench.Chart.RssChart.Draw(samples, png);
if (args.Length != 2)
{
    Console.Error.WriteLine("usage: chart LATEST.json OUT.png");
    return 2;
}

using var doc = JsonDocument.Parse(File.ReadAllText(args[0]));
var root = doc.RootElement;
var rows = new List<(string Case, int Threads, double Ratio, string Peer)>();
foreach (var r in root.GetProperty("rows").EnumerateArray())
{
    if (r.GetProperty("ratio_faster_peer").ValueKind != JsonValueKind.Number) continue;
    rows.Add((r.GetProperty("case").GetString()!, r.GetProperty("threads").GetInt32(),
        r.GetProperty("ratio_faster_peer").GetDouble(), r.GetProperty("faster_peer").GetString()!));
}
var cases = rows.Select(r => r.Case).Distinct().ToList();
var threadCounts = rows.Select(r => r.Threads).Distinct().Order().ToList();
Color[] palette = [Colors.SteelBlue, Colors.DarkOrange, Colors.SeaGreen, Colors.Purple];

var plot = new Plot();
var bars = new List<Bar>();
var slot = threadCounts.Count + 1;
var yTicks = new ScottPlot.TickGenerators.NumericManual();
for (var ci = 0; ci < cases.Count; ci++)
{
    // the first case on top
    var baseY = (cases.Count - 1 - ci) * slot;
    yTicks.AddMajor(baseY + (threadCounts.Count - 1) / 2.0, cases[ci]);
    foreach (var row in rows.Where(r => r.Case == cases[ci]))
    {
        var ti = threadCounts.IndexOf(row.Threads);
        var v = Math.Log10(row.Ratio);
        bars.Add(new Bar
        {
            Position = baseY + (threadCounts.Count - 1 - ti),
            Value = v,
            ValueBase = 0,
            FillColor = palette[ti % palette.Length],
            Label = row.Ratio.ToString(row.Ratio >= 0.1 ? "0.00" : "0.000", CultureInfo.InvariantCulture) + "×",
            Size = 0.85,
        });
    }
}
var barPlot = plot.Add.Bars(bars);
barPlot.Horizontal = true;
barPlot.ValueLabelStyle.FontSize = 10;

var one = plot.Add.VerticalLine(0);
one.Color = Colors.Black;
one.LineWidth = 1.5f;

var xTicks = new ScottPlot.TickGenerators.NumericManual();
foreach (var x in new[] { 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10, 30, 100 })
    xTicks.AddMajor(Math.Log10(x), x.ToString(CultureInfo.InvariantCulture) + "×");
plot.Axes.Bottom.TickGenerator = xTicks;
plot.Axes.Left.TickGenerator = yTicks;
var lo = Math.Min(-0.5, Math.Floor(rows.Min(r => Math.Log10(r.Ratio)) * 2) / 2 - 0.3);
var hi = Math.Max(0.5, Math.Ceiling(rows.Max(r => Math.Log10(r.Ratio)) * 2) / 2 + 0.3);
plot.Axes.SetLimits(lo, hi, -1, cases.Count * slot - 1);

var env = root.GetProperty("env");
string E(string k) => env.TryGetProperty(k, out var v) ? v.GetString() ?? "" : "";
plot.Title($"OpenCryptokiActors ÷ the faster of SoftHSM2 and openCryptoki (ops/s; > 1× = we are faster)\n{E("date")}; {E("machine")}");
plot.XLabel("ratio, log scale");
plot.ShowLegend(threadCounts.Select((t, i) => new LegendItem
{
    LabelText = t == 1 ? "1 thread" : $"{t} threads (a session each)",
    FillColor = palette[i % palette.Length],
}), Alignment.LowerRight);

var height = Math.Max(600, 60 + bars.Count * 16 + cases.Count * 8);
plot.SavePng(args[1], 1100, height);
Console.WriteLine($"chart: {args[1]} ({cases.Count} cases, {bars.Count} bars)");
return 0;
