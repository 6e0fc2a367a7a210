using System.Net;
using Microsoft.AspNetCore.RateLimiting;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

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
            .UseStaticClustering([.. options.SiloGateways.Select(IPEndPoint.Parse)]));

        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseRateLimiter();
        app.MapOpenApi("/openapi/{documentName}.json");
        app.MapGet("/healthz", () => Results.Ok("ok")).ExcludeFromDescription();
        app.MapEsrsGateway();
        app.MapEsrsQuality();
        return app;
    }
}
