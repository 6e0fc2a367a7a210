using Esrs.Cli;
using System.CommandLine;
using Esrs.Client.Import;

namespace Esrs.Client.Commands;

/// <summary><c>redrive</c>: dead letters back to the event stream (<see cref="DeadLetterRedrive"/>), with a dry run and counts.</summary>
internal static class RedriveCommand
{
    public static Command Create()
    {
        var dryRun = new Option<bool>("--dry-run") { Description = "Count what would be put back, by reason; change nothing" };
        var limit = new Option<int?>("--limit") { Description = "Look at no more than this many dead letters (oldest first)" };
        limit.Validators.Add(r => r.AddErrorIfBelow(1));
        var includeUndecodable = new Option<bool>("--include-undecodable") { Description = "Also put back entries the consumer could not decode (they fail again unless the consumer changed)" };
        var redis = new Option<string?>("--redis") { Description = "Redis endpoint host:port (default ESRS_REDIS or 127.0.0.1:6379)" };
        var stream = new Option<string>("--stream") { Description = "The event stream", DefaultValueFactory = _ => "esrs:events" };
        var dead = new Option<string>("--dead-stream") { Description = "The dead-letter stream", DefaultValueFactory = _ => "esrs:events:dead" };
        var command = new Command("redrive", "Put dead-lettered events back on the Redis event stream (after fixing what failed them); --dry-run counts by reason")
        {
            dryRun, limit, includeUndecodable, redis, stream, dead,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var endpoint = parse.GetValue(redis) ?? Environment.GetEnvironmentVariable("ESRS_REDIS") ?? "127.0.0.1:6379";
            var connection = await GridEndpoints.ConnectRedisAsync(endpoint, "redrive: ");
            await using (connection)
            {
                var report = await DeadLetterRedrive.RunAsync(connection.GetDatabase(), parse.GetRequiredValue(dead), parse.GetRequiredValue(stream),
                    parse.GetValue(dryRun), parse.GetValue(limit), parse.GetValue(includeUndecodable), cancellationToken);
                Console.Write(report.ToTable());
            }

            return ExitCodes.Success;
        });
        return command;
    }
}
