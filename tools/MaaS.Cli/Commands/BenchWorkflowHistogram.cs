using System.Globalization;
using ScottPlot;

namespace MaaS.Cli.Commands;

/// <summary>
/// The paper's Figure 8 for this system: how many transactions of the loop took how long from submission until the
/// service saw them in a block, one panel per mode (their scales differ by two orders of magnitude).
/// </summary>
public static class BenchWorkflowHistogram
{
    public static void Draw(IReadOnlyDictionary<string, double[]> latencies, string path)
    {
        var modes = latencies.Where(m => m.Value.Length > 0).OrderBy(m => m.Key == "instant" ? 1 : 0).ToList();
        if (modes.Count == 0) return;
        var multiplot = new Multiplot();
        multiplot.AddPlots(modes.Count);
        for (var i = 0; i < modes.Count; i++)
        {
            var (mode, values) = (modes[i].Key, modes[i].Value);
            var max = values.Max();
            // About 40 bins over the range, on a round size so that the axis reads easily.
            var size = new[] { 1d, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500 }.FirstOrDefault(s => max / s <= 40, 1000);
            var histogram = ScottPlot.Statistics.Histogram.WithBinSize(size, 0, Math.Ceiling((max + 1) / size) * size);
            histogram.AddRange(values);
            var plot = multiplot.GetPlot(i);
            plot.Add.Histogram(histogram);
            var median = values.Order().ElementAt((values.Length - 1) / 2);
            plot.Add.VerticalLine(median, 2, Colors.Red).LegendText = string.Create(CultureInfo.InvariantCulture, $"p50 {median:0} ms");
            plot.Title(string.Create(CultureInfo.InvariantCulture, $"{mode}: {values.Length} transactions of the maintenance loop"));
            plot.XLabel("submitted → in a block, as the service saw it (ms)");
            plot.YLabel("transactions");
            plot.Axes.Margins(bottom: 0);
            plot.ShowLegend(Alignment.UpperRight);
        }
        multiplot.SavePng(path, 1000, 420 * modes.Count);
    }
}
