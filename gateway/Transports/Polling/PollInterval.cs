using System.Globalization;

namespace Gateway.Transports.Polling;

/// <summary>The <c>X-Poll-Interval</c> hint: seconds, with a fraction for sub-second intervals (clients parse a float).</summary>
internal static class PollInterval
{
    public static string Header(TimeSpan interval) => interval.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
}
