using System.Globalization;
using ScottPlot;

namespace OpenCryptokiActors.Bench.Chart;

/// <summary>`chart rss SAMPLES.tsv OUT.png`: ock-slotd's RSS over a soak (bench/soak.sh's rss.tsv: seconds, KiB, threads).</summary>
public static class RssChart
{
    public static int Draw(string tsv, string png)
    {
        var rows = File.ReadLines(tsv).Skip(1).Select(l => l.Split('\t'))
            .Where(f => f.Length >= 3 && double.TryParse(f[1], CultureInfo.InvariantCulture, out _))
            .Select(f => (Seconds: double.Parse(f[0], CultureInfo.InvariantCulture), Mib: double.Parse(f[1], CultureInfo.InvariantCulture) / 1024,
                Threads: double.Parse(f[2], CultureInfo.InvariantCulture)))
            .ToList();
        if (rows.Count == 0) return 1;
        var plot = new Plot();
        var rss = plot.Add.Scatter(rows.Select(r => r.Seconds / 60).ToArray(), rows.Select(r => r.Mib).ToArray());
        rss.LegendText = "RSS (MiB)";
        rss.MarkerSize = 0;
        var threads = plot.Add.Scatter(rows.Select(r => r.Seconds / 60).ToArray(), rows.Select(r => r.Threads).ToArray());
        threads.LegendText = "threads";
        threads.MarkerSize = 0;
        plot.Axes.Bottom.Label.Text = "minutes";
        plot.Axes.Left.Label.Text = "MiB / threads";
        plot.Axes.SetLimitsY(0, Math.Max(rows.Max(r => r.Mib), rows.Max(r => r.Threads)) * 1.15);
        plot.Title("ock-slotd during bench/soak.sh");
        plot.ShowLegend();
        plot.SavePng(png, 900, 450);
        return 0;
    }
}
