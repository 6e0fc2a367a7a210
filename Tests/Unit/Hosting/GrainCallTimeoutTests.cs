using Esrs.Client.Gateway;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace Esrs.Tests.Unit.Hosting;

/// <summary>The gateway's grain call timeout is its Orleans client's response timeout: 10 s unless configured, never Orleans' 30 s.</summary>
public sealed class GrainCallTimeoutTests
{
    private static readonly string[] Keys = ["--Esrs:Gateway:WriteKeys:0:Name", "w", "--Esrs:Gateway:WriteKeys:0:Key", "write-key-0123456789abcdef"];

    [Fact]
    public void TheClientWaitsTenSecondsForAGrainByDefault()
    {
        var app = GatewayHost.Build(Keys);

        Assert.Equal(TimeSpan.FromSeconds(10), app.Services.GetRequiredService<IOptions<ClientMessagingOptions>>().Value.ResponseTimeout);
    }

    [Fact]
    public void AConfiguredTimeoutReachesTheClient()
    {
        var app = GatewayHost.Build([.. Keys, "--Esrs:Gateway:GrainCallTimeout", "00:00:03"]);

        Assert.Equal(TimeSpan.FromSeconds(3), app.Services.GetRequiredService<IOptions<ClientMessagingOptions>>().Value.ResponseTimeout);
    }

    [Fact]
    public void AZeroTimeoutIsRefusedAtStart()
    {
        var error = Assert.Throws<OptionsValidationException>(() => GatewayHost.Build([.. Keys, "--Esrs:Gateway:GrainCallTimeout", "00:00:00"]));

        Assert.Contains("GrainCallTimeout must be positive", error.Message, StringComparison.Ordinal);
    }
}
