using Microsoft.Extensions.Options;

namespace Gateway.Broker.JetStream;

/// <summary>
/// The subjects the gateway's stream must capture: <c>Gateway:Broker:StreamSubjects</c> when set, else one wildcard per
/// leading token of every push route's <c>Push.Subject</c> and <c>Push.Notify</c> template (<c>orders.{id}</c> gives <c>orders.&gt;</c>).
/// </summary>
internal sealed class JetStreamSubjects(IOptions<BrokerOptions> options, IConfiguration configuration)
{
    public IReadOnlyList<string> Resolve()
    {
        if (options.Value.StreamSubjects.Count > 0)
        {
            return options.Value.StreamSubjects;
        }

        var result = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var route in configuration.GetSection("ReverseProxy:Routes").GetChildren())
        {
            foreach (var key in new[] { Routing.PushMetadataKeys.Subject, Routing.PushMetadataKeys.Notify })
            {
                var template = route[$"Metadata:{key}"];
                if (string.IsNullOrWhiteSpace(template))
                {
                    continue;
                }

                var first = template.Split('.')[0];
                if (!first.Contains('{', StringComparison.Ordinal) && first.Length > 0)
                {
                    result.Add(first + ".>");
                }
            }
        }

        if (result.Count == 0)
        {
            result.Add("push.>");
        }

        return [.. result];
    }
}
