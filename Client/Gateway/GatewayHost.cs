using System.Net;
using System.Threading.RateLimiting;
using Esrs.Client.Gateway.Auth;
using Esrs.Compliance;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Compliance.Classification;
using Microsoft.Extensions.Compliance.Redaction;
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
    /// <summary>Log levels unless configuration says otherwise: requests are not logged one by one (their URLs could carry anything).</summary>
    private static readonly Dictionary<string, string?> LoggingDefaults = new()
    {
        ["Logging:LogLevel:Default"] = "Information",
        ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
        ["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Information",
        ["Logging:LogLevel:Orleans"] = "Warning",
    };

    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        builder.Configuration.Sources.Insert(0, new Microsoft.Extensions.Configuration.Memory.MemoryConfigurationSource { InitialData = LoggingDefaults });
        if (builder.Configuration[$"{GatewayOptions.SectionName}:{nameof(GatewayOptions.KeysFile)}"] is { Length: > 0 } keysFile)
        {
            if (!File.Exists(keysFile))
            {
                throw new OptionsValidationException(GatewayOptions.SectionName, typeof(GatewayOptions), [$"{GatewayOptions.SectionName}:KeysFile '{keysFile}' does not exist."]);
            }

            builder.Configuration.AddJsonFile(Path.GetFullPath(keysFile), optional: false, reloadOnChange: false);
        }

        configure?.Invoke(builder);
        var options = new GatewayOptions();
        builder.Configuration.GetSection(GatewayOptions.SectionName).Bind(options);

        // The binder appends configured list items to a default list: configured silo gateways replace the default one.
        if (builder.Configuration.GetSection($"{GatewayOptions.SectionName}:{nameof(GatewayOptions.SiloGateways)}").Get<string[]>() is { Length: > 0 } gateways)
        {
            options.SiloGateways = gateways;
        }

        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new OptionsValidationException(GatewayOptions.SectionName, typeof(GatewayOptions), errors);
        }

        builder.Services.AddRedaction(r => r.SetRedactor<ErasingRedactor>(new DataClassificationSet(EsrsTaxonomy.Secret)));
        builder.Logging.EnableRedaction();
        builder.Services.AddSingleton(Options.Create(options));
        builder.Services.AddEsrsAuthentication(options);
        builder.Services.AddSingleton<IngestGauge>();
        builder.Services.AddSingleton<UserIngestCoalescer>();
        builder.Services.ConfigureHttpJsonOptions(json => GatewayJson.Apply(json.SerializerOptions));
        // Every refusal carries a rule, also those no endpoint wrote (unknown route, wrong method, bad request line).
        builder.Services.AddProblemDetails(p => p.CustomizeProblemDetails = context =>
            context.ProblemDetails.Extensions.TryAdd("rule", GatewayProblems.RuleFor(context.ProblemDetails.Status ?? context.HttpContext.Response.StatusCode)));
        builder.Services.AddOpenApi(o => o.AddSchemaTransformer(OpenApiBodies.ConvertedFieldTypes).AddDocumentTransformer((document, _, _) =>
        {
            // Every /v1 call sends a key in X-Api-Key (write, read or operator; see the README's table of endpoints).
            document.Components ??= new Microsoft.OpenApi.OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, Microsoft.OpenApi.IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes[ApiKeyAuthorizer.Header] = new Microsoft.OpenApi.OpenApiSecurityScheme
            {
                Type = Microsoft.OpenApi.SecuritySchemeType.ApiKey,
                In = Microsoft.OpenApi.ParameterLocation.Header,
                Name = ApiKeyAuthorizer.Header,
                Description = "A write, read or operator key; an operator's session cookie also serves the quality page and dashboard.",
            };
            document.Security = [new Microsoft.OpenApi.OpenApiSecurityRequirement { [new Microsoft.OpenApi.OpenApiSecuritySchemeReference(ApiKeyAuthorizer.Header, document)] = [] }];
            return Task.CompletedTask;
        }));
        // Producers may compress their batches (Content-Encoding gzip, br, deflate); the body limits apply to what it inflates to.
        builder.Services.AddRequestDecompression();
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
        // The reader refuses bodies over MaxBodyBytes itself (413 with the rule). Kestrel's own cap is higher so that a
        // producer still sending a moderately oversized body gets that answer after Kestrel drains the rest, instead of
        // a reset connection; far larger bodies are cut off.
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = options.MaxBodyBytes * 4L);
        builder.UseOrleansClient(client => client
            .Configure<Orleans.Configuration.ClusterOptions>(c => (c.ServiceId, c.ClusterId) = (options.ServiceId, options.ClusterId))
            .UseStaticClustering([.. options.SiloGateways.Select(IPEndPoint.Parse)])
            .Configure<Orleans.Configuration.ClientMessagingOptions>(m => m.ResponseTimeout = options.GrainCallTimeout)
            .AddDashboard());

        // Esrs.* meters of this process and ASP.NET Core's, scraped by Prometheus at /metrics.
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter("Esrs.*", "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "Microsoft.Orleans")
            .AddPrometheusExporter());

        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.Use(ContentEncodings.CheckAsync);
        app.UseRequestDecompression();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        app.MapOpenApi("/openapi/{documentName}.json");
        app.MapGet("/healthz", () => Results.Text("ok")).ExcludeFromDescription();
        app.MapEsrsGateway();
        app.MapEsrsRanking();
        app.MapEsrsQuality();
        app.MapEsrsRegistry();
        app.MapEsrsCatalogue();

        // The Orleans dashboard (cluster view), for operators only: the session cookie of the quality page's sign-in.
        app.MapOrleansDashboard(routePrefix: "/dashboard").RequireAuthorization(EsrsPolicies.Operator).ExcludeFromDescription();
        app.MapPrometheusScrapingEndpoint("/metrics");
        return app;
    }
}
