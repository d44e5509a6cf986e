using OpenTelemetry.Exporter;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Gateway.Observability.Tracing;

internal static class TracingExtensions
{
    // Probes and scrapes on the management listener are not worth a trace each.
    private static readonly string[] UntracedPaths = ["/healthz", "/readyz", "/metrics"];

    /// <summary>
    /// Registers OpenTelemetry tracing when <c>Gateway:Tracing:Enabled</c> is true; otherwise nothing at all, so no
    /// listener exists and the gateway's sources and ASP.NET Core's stay silent (docs/tracing.md).
    /// </summary>
    public static IServiceCollection AddGatewayTracing(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<TracingOptions>().BindConfiguration(TracingOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        var options = configuration.GetSection(TracingOptions.Section).Get<TracingOptions>() ?? new TracingOptions();
        if (!options.Enabled)
        {
            return services;
        }

        services.AddOpenTelemetry()
            .ConfigureResource(resource =>
            {
                // OTEL_SERVICE_NAME (read by the default resource) wins over the configured name.
                if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("OTEL_SERVICE_NAME")))
                {
                    resource.AddService(options.ServiceName);
                }
            })
            .WithTracing(tracing =>
            {
                tracing
                    .SetSampler(new ParentBasedSampler(new TraceIdRatioBasedSampler(options.SampleRatio)))
                    .AddSource(GatewayTracing.SourceName)
                    .AddAspNetCoreInstrumentation(o => o.Filter = context => !IsUntraced(context.Request.Path));
                if (options.HttpClientSpans)
                {
                    tracing.AddHttpClientInstrumentation();
                }

                tracing.AddOtlpExporter(o => ConfigureOtlp(o, options));
            });
        return services;
    }

    private static bool IsUntraced(PathString path)
    {
        foreach (var untraced in UntracedPaths)
        {
            if (path.StartsWithSegments(untraced, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Only what is configured overrides the exporter's defaults, which read the <c>OTEL_EXPORTER_OTLP_*</c> variables.</summary>
    internal static void ConfigureOtlp(OtlpExporterOptions otlp, TracingOptions options)
    {
        if (options.OtlpProtocol is { } protocol)
        {
            otlp.Protocol = protocol == "http/protobuf" ? OtlpExportProtocol.HttpProtobuf : OtlpExportProtocol.Grpc;
        }

        if (options.OtlpEndpoint is { } endpoint)
        {
            // A programmatic endpoint is used as given; the signal path is appended only for the environment variable.
            otlp.Endpoint = otlp.Protocol == OtlpExportProtocol.HttpProtobuf && endpoint.AbsolutePath is "" or "/"
                ? new Uri(endpoint, "v1/traces")
                : endpoint;
        }
    }
}
