using System.Globalization;
using System.Text;

namespace Gateway.Bench.Polling;

/// <summary>Renders the polling scenario as Markdown: one row per subject, then the edge's share.</summary>
internal static class PollingTable
{
    public static string Render(PollingResult r)
    {
        var b = new StringBuilder();
        b.Append(CultureInfo.InvariantCulture, $"## polling: adaptive short polling on a quiet and a busy subject ({r.StartedUtc:yyyy-MM-dd HH:mm:ss} UTC)\n\n");
        b.Append(CultureInfo.InvariantCulture,
            $"Route bounds {F(r.MinIntervalSeconds, 2)}..{F(r.MaxIntervalSeconds, 2)} s; pollers obey `X-Poll-Interval` and send `If-None-Match`; " +
            $"{F(r.MeasuredSeconds, 0)} s measured after a 5 s warm-up. {r.Machine.ProcessorCount} cores, load average {F(r.Machine.LoadAverageBefore, 2)} before / " +
            $"{F(r.Machine.LoadAverageAfter, 2)} after, {F(r.WallSeconds, 0)} s wall.\n\n");
        b.Append("| subject | pollers | events/s | requests/s | per poller/s | 200 | 304 | events received | hint mean s | hint min..max s | distinct hints | failed |\n");
        b.Append("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n");
        foreach (var g in r.Groups)
        {
            b.Append(CultureInfo.InvariantCulture,
                $"| {g.Subject} | {g.Pollers} | {F(g.EventsPerSecond, 0)} | {F(g.RequestsPerSecond, 1)} | {F(g.RequestsPerPollerPerSecond, 3)} | {g.Ok} | {g.NotModified} | " +
                $"{g.EventsReceived} | {F(g.MeanHintSeconds, 2)} | {F(g.MinHintSeconds, 2)}..{F(g.MaxHintSeconds, 2)} | {g.DistinctHints} | {g.Failed} |\n");
        }

        b.Append(CultureInfo.InvariantCulture,
            $"\nRequests that reached the backend behind the route while the pollers ran: {r.BackendRequests}. Gateway CPU per poll answered: {F(r.GatewayCpuMsPerPoll, 3)} ms. " +
            $"Warnings/errors logged: {r.GatewayProblemLog.Count}.\n");
        b.Append(r.Passed
            ? "The busy subject's pollers polled more often than the quiet one's; no poll failed or reached the backend.\n"
            : "FAILED: see failed polls, backend requests or the request rates above.\n");
        return b.ToString();
    }

    private static string F(double value, int decimals) => value.ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
}
