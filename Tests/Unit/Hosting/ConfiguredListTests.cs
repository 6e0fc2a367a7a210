using Esrs.Cleaning;
using Esrs.Client.Gateway;
using Esrs.Hosting;
using Esrs.Quality;
using Esrs.Silo.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Esrs.Tests.Unit.Hosting;

/// <summary>
/// A list in configuration replaces the option's default list rather than being appended to it (the configuration
/// binder appends): a gateway pointed at another silo must not also dial the default one.
/// </summary>
public sealed class ConfiguredListTests
{
    [Fact]
    public void ConfiguredSiloGatewaysReplaceTheDefault()
    {
        var app = GatewayHost.Build(
        [
            "--Esrs:Gateway:SiloGateways:0", "127.0.0.1:31999",
            "--Esrs:Gateway:WriteKeys:0:Name", "w", "--Esrs:Gateway:WriteKeys:0:Key", "write-key-0123456789abcdef",
        ]);

        Assert.Equal(["127.0.0.1:31999"], app.Services.GetRequiredService<IOptions<GatewayOptions>>().Value.SiloGateways);
    }

    [Fact]
    public void WithoutConfigurationTheGatewayDialsTheDefaultSilo()
    {
        var app = GatewayHost.Build(["--Esrs:Gateway:WriteKeys:0:Name", "w", "--Esrs:Gateway:WriteKeys:0:Key", "write-key-0123456789abcdef"]);

        Assert.Equal(["127.0.0.1:30000"], app.Services.GetRequiredService<IOptions<GatewayOptions>>().Value.SiloGateways);
    }

    [Fact]
    public void ConfiguredNonProductItemsAndWatchedMetricsReplaceTheDefaults()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Esrs:Validation:NonProductItems:0"] = "FEE",
            ["Esrs:Quality:Anomaly:Metrics:0"] = "acceptance",
        }).Build();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration);
        services.AddEsrsUsers(o => o.BindEsrsConfiguration());
        using var provider = services.BuildServiceProvider();

        Assert.Equal(["FEE"], provider.GetRequiredService<IOptions<ValidationOptions>>().Value.NonProductItems);
        Assert.Equal(["acceptance"], provider.GetRequiredService<IOptions<QualityOptions>>().Value.Anomaly.Metrics);
    }
}
