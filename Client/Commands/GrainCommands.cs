using Esrs.Cli;
using System.CommandLine;
using System.Text.Json;
using Esrs.Client.Gateway;

namespace Esrs.Client.Commands;

/// <summary><c>profile</c>, <c>quarantine</c>, <c>replay</c>: a user grain's view, straight from a running silo.</summary>
public static class GrainCommands
{
    private static IHost? _host;

    /// <summary>An Orleans client to the local silo (gateway port from <c>Esrs__Silo__GatewayPort</c>, 30000 by default).</summary>
    public static async Task<IClusterClient> ConnectAsync()
    {
        var gatewayPort = int.TryParse(Environment.GetEnvironmentVariable("Esrs__Silo__GatewayPort"), out var port) ? port : 30000;
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        var attempts = 0;
        builder.UseOrleansClient(client => client
            .UseLocalhostClustering(gatewayPort, serviceId: "esrs", clusterId: "esrs")
            .UseConnectionRetryFilter(async (_, cancellationToken) =>
            {
                // A few quick retries cover a silo that is still starting; then say so and stop.
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
                return ++attempts < 5;
            }));
        _host = builder.Build();
        try
        {
            await _host.StartAsync();
        }
        catch (Exception ex)
        {
            throw new Import.ImportException($"cannot reach a silo on 127.0.0.1:{gatewayPort} ({ex.GetBaseException().Message}); start one with ./esrs run", ex);
        }

        return _host.Services.GetRequiredService<IClusterClient>();
    }

    /// <summary><c>profile|quarantine|replay &lt;userId&gt;</c>.</summary>
    public static Command Create(string name, string description)
    {
        var user = new Argument<string>("userId") { Description = "The user id (or an unattributed grain's key, ~unattributed/N)" };
        var command = new Command(name, description) { user };
        var offset = new Option<int>("--offset") { Description = "First entry of the page", DefaultValueFactory = _ => 0 };
        var limit = new Option<int>("--limit") { Description = "Entries in the page (1..500)", DefaultValueFactory = _ => 50 };
        if (name == "quarantine")
        {
            offset.Validators.Add(r => r.AddErrorIfBelow(0));
            limit.Validators.Add(r => r.AddErrorIfBelow(1));
            command.Options.Add(offset);
            command.Options.Add(limit);
        }

        command.SetAction((parse, cancellationToken) =>
        {
            // An option the command does not have ("profile --bogus") parses as the user id; an id that starts with '-' is
            // read only after "--", where it cannot be a mistyped option.
            var userId = parse.GetRequiredValue(user);
            if (userId.StartsWith('-') && !parse.Tokens.Any(t => t.Type == System.CommandLine.Parsing.TokenType.DoubleDash))
            {
                throw new UsageException($"{name}: '{userId}' is not an option of {name}; a user id that starts with '-' goes after --: {name} -- {userId}");
            }

            return RunAsync(name, userId, parse.GetValue(offset), parse.GetValue(limit));
        });
        return command;
    }

    private static async Task<int> RunAsync(string command, string userId, int offset, int limit)
    {
        if (Events.UserIds.KeyProblem(userId) is { } problem)
        {
            throw new UsageException($"{command}: {problem}");
        }

        var grain = (await ConnectAsync()).Reference<IUserGrain>(userId);
        object result = command switch
        {
            "profile" => await grain.GetProfileAsync(),
            "quarantine" => await grain.GetQuarantineAsync(offset, limit),
            _ => await grain.ReplayQuarantineAsync(),
        };
        Console.WriteLine(JsonSerializer.Serialize(result, result.GetType(), new JsonSerializerOptions(GatewayJson.Options) { WriteIndented = true }));
        await _host!.StopAsync();
        return ExitCodes.Success;
    }
}
