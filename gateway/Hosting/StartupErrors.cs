using System.Text;
using Gateway.Routing;
using Microsoft.Extensions.Options;

namespace Gateway.Hosting;

/// <summary>Turns a failed start into one readable list of every configuration error.</summary>
internal static class StartupErrors
{
    public static bool IsConfigurationError(Exception ex) =>
        ex is OptionsValidationException or InvalidOperationException or AggregateException or RouteConfigurationException;

    public static string Describe(Exception ex)
    {
        var sb = new StringBuilder("gateway: the configuration is invalid; nothing was started.\n");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        Collect(ex, sb, seen);
        return sb.ToString();
    }

    private static void Collect(Exception ex, StringBuilder sb, HashSet<string> seen)
    {
        switch (ex)
        {
            case AggregateException agg:
                foreach (var inner in agg.InnerExceptions)
                {
                    Collect(inner, sb, seen);
                }

                return;
            case RouteConfigurationException rce:
                foreach (var error in rce.Errors)
                {
                    if (seen.Add(error))
                    {
                        sb.Append("  - ").AppendLine(error);
                    }
                }

                return;
            case OptionsValidationException ove:
                foreach (var failure in ove.Failures)
                {
                    if (seen.Add(failure))
                    {
                        sb.Append("  - ").AppendLine(failure);
                    }
                }

                return;
        }

        if (ex.InnerException is not null)
        {
            Collect(ex.InnerException, sb, seen);
            return;
        }

        if (seen.Add(ex.Message))
        {
            sb.Append("  - ").AppendLine(ex.Message);
        }
    }
}
