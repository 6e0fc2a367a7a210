using System.Net;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using Orleans.Dashboard;

namespace Esrs.Client.Gateway;

/// <summary>
/// Builds the gateway: Kestrel, the HTTP API, an Orleans client to the silos. It runs as its own
/// process beside the silos, so frontends scale apart from the grid and a gateway restart never
/// touches grain state.
/// </summary>
public static class GatewayHost
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        configure?.Invoke(builder);
        var options = new GatewayOptions();
        builder.Configuration.GetSection(GatewayOptions.SectionName).Bind(options);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new OptionsValidationException(GatewayOptions.SectionName, typeof(GatewayOptions), errors);
        }

        builder.Services.AddSingleton(Options.Create(options));
        builder.Services.AddSingleton(new ApiKeyAuthorizer(options));
        builder.Services.AddSingleton<IngestGauge>();
        builder.Services.ConfigureHttpJsonOptions(json => GatewayJson.Apply(json.SerializerOptions));
        builder.Services.AddProblemDetails();
        builder.Services.AddOpenApi();
        builder.Services.AddRateLimiter(limiter =>
        {
            limiter.AddConcurrencyLimiter(GatewayEndpoints.IngestLimiter, c =>
            {
                c.PermitLimit = options.MaxConcurrentIngests;
                c.QueueLimit = options.IngestQueueLimit;
                c.QueueProcessingOrder = QueueProcessingOrder.OldestFirst;
            });
            limiter.RejectionStatusCode = StatusCodes.Status503ServiceUnavailable;
            limiter.OnRejected = async (context, cancellationToken) =>
            {
                context.HttpContext.Response.Headers.RetryAfter = options.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                await GatewayProblems.Problem(StatusCodes.Status503ServiceUnavailable, GatewayProblems.Overloaded, "Gateway busy",
                    $"More than {options.MaxConcurrentIngests} ingest requests in flight and {options.IngestQueueLimit} waiting; retry after {options.RetryAfterSeconds} s.")
                    .ExecuteAsync(context.HttpContext);
            };
        });
        builder.WebHost.UseUrls(options.Url);
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = options.MaxBodyBytes + 1L);
        builder.UseOrleansClient(client => client
            .Configure<Orleans.Configuration.ClusterOptions>(c => (c.ServiceId, c.ClusterId) = (options.ServiceId, options.ClusterId))
            .UseStaticClustering([.. options.SiloGateways.Select(IPEndPoint.Parse)])
            .AddDashboard());

        // Esrs.* meters of this process and ASP.NET Core's, scraped by Prometheus at /metrics.
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter("Esrs.*", "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "Microsoft.Orleans")
            .AddPrometheusExporter());

        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseRateLimiter();
        app.MapOpenApi("/openapi/{documentName}.json");
        app.MapGet("/healthz", () => Results.Ok("ok")).ExcludeFromDescription();
        app.MapEsrsGateway();
        app.MapEsrsQuality();

        // The Orleans dashboard (cluster view), for operators only.
        app.UseWhen(http => http.Request.Path.StartsWithSegments("/dashboard", StringComparison.OrdinalIgnoreCase), branch => branch.Use(OperatorGate.InvokeAsync));
        app.MapOrleansDashboard(routePrefix: "/dashboard");
        app.MapPrometheusScrapingEndpoint("/metrics");
        return app;
    }
}
