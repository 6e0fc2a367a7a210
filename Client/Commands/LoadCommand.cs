using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using Esrs.Cli;
using Esrs.Client.Load;

namespace Esrs.Client.Commands;

/// <summary>
/// <c>load</c>: the load-test client (<see cref="LoadRunner"/>) against a running grid, and <c>load check</c>: a ledger
/// held against the profiles (<see cref="LedgerCheck"/>).
/// </summary>
internal static class LoadCommand
{
    public static Command Create()
    {
        var via = new Option<string>("--via") { Description = "Where writes go: the HTTP gateway or the Redis stream (reads always use the gateway)", DefaultValueFactory = _ => "http" };
        via.AcceptOnlyFromAmong("http", "redis");
        var url = new Option<string?>("--url") { Description = "Gateway URL on loopback (default ESRS_GATEWAY_URL or http://127.0.0.1:5080/)" };
        var redis = new Option<string?>("--redis") { Description = "Redis endpoint host:port on loopback, with --via redis (default ESRS_REDIS or 127.0.0.1:6379)" };
        var stream = new Option<string>("--stream") { Description = "Redis stream", DefaultValueFactory = _ => "esrs:events" };
        var rate = new Option<int?>("--rate") { Description = "Open loop: requests started per second (latency counts from when each was due)" };
        rate.Validators.Add(r => r.AddErrorIfBelow(1));
        var concurrency = new Option<int?>("--concurrency") { Description = "Closed loop: requests in flight (the default, 32, when no --rate)" };
        concurrency.Validators.Add(r => r.AddErrorIfBelow(1));
        var duration = new Option<double?>("--duration") { Description = "Seconds to run (default 30 unless --events)" };
        var events = new Option<long?>("--events") { Description = "Stop after this many events written" };
        var batch = OptionChecks.Positive("--batch", "Events per write request", 10);
        var users = OptionChecks.Positive("--users", "Size of the user population", 100_000);
        var zipf = new Option<double>("--zipf") { Description = "Skew of user activity (Zipf exponent; 0 is uniform)", DefaultValueFactory = _ => 1.0 };
        var dirty = new Option<double>("--dirty") { Description = "Share of dirty events (re-sends under new ids, invalid values, late and future times), 0..1", DefaultValueFactory = _ => 0.1 };
        var readShare = new Option<double>("--read-share") { Description = "Share of requests that read a profile, 0..1", DefaultValueFactory = _ => 0.2 };
        var probeRate = new Option<double>("--probe-rate") { Description = "Event-to-visible probes per second (0: none)", DefaultValueFactory = _ => 20 };
        var giveUp = new Option<double>("--give-up") { Description = "Seconds a request keeps retrying before its events count as abandoned", DefaultValueFactory = _ => 60 };
        var seed = new Option<int>("--seed") { Description = "Seed of the workload", DefaultValueFactory = _ => 1 };
        var runId = new Option<string?>("--run-id") { Description = "Prefix of this run's user and event ids (default: random)" };
        var json = new Option<string?>("--json") { Description = "Write the report as JSON to this file" };
        var svg = new Option<string?>("--svg") { Description = "Draw acknowledged events and failed attempts per second as SVG to this file" };
        var ledger = new Option<string?>("--ledger") { Description = "Write every acknowledged (and abandoned) event id to this file, for ./esrs load check" };
        var data = new Option<string?>("--data") { Description = "Folder of the data sets (default ESRS_DATA or ../shared/data)" };
        foreach (var share in new[] { dirty, readShare })
        {
            share.Validators.Add(r => Range(r, 0, 1));
        }

        probeRate.Validators.Add(r => Range(r, 0, 1000));
        zipf.Validators.Add(r => Range(r, 0, 5));
        giveUp.Validators.Add(r => Range(r, 0, 3600));
        duration.Validators.Add(r => Range(r, 0.1, 86_400));
        events.Validators.Add(r =>
        {
            if (r.ValueOrNull<long>() is < 1)
            {
                r.AddError("--events needs a positive whole number.");
            }
        });

        var command = new Command("load", "Drive a running grid: Zipf-skewed users in sessions over UCI products with Taobao's behaviour mix, a share of dirty events, writes and profile reads, event-to-visible probes; a live line, then a report. Exit 1 when events were abandoned unacknowledged")
        {
            via, url, redis, stream, rate, concurrency, duration, events, batch, users, zipf, dirty, readShare, probeRate, giveUp, seed, runId, json, svg, ledger, data,
            CheckCommand(url),
        };
        command.Validators.Add(r =>
        {
            if (r.GetResult(rate) is not null && r.GetResult(concurrency) is not null)
            {
                r.AddError("Give --rate (open loop) or --concurrency (closed loop), not both.");
            }
        });
        command.SetAction(async (parse, cancellationToken) =>
        {
            var dataRoot = parse.GetValue(data) ?? Environment.GetEnvironmentVariable("ESRS_DATA") ?? Path.Combine("..", "shared", "data");
            var viaRedis = parse.GetRequiredValue(via) == "redis";
            var writeKey = Environment.GetEnvironmentVariable("ESRS_API_KEY");
            if (!viaRedis && writeKey is null)
            {
                throw new UsageException("load: a write key is needed: ESRS_API_KEY (./esrs run prints the development key)");
            }

            await using var target = await LoadTarget.OpenAsync(GatewayUri(parse.GetValue(url)), writeKey, ReadKey(),
                viaRedis ? parse.GetValue(redis) ?? Environment.GetEnvironmentVariable("ESRS_REDIS") ?? "127.0.0.1:6379" : null, parse.GetRequiredValue(stream), connections: 512);
            var vocabulary = LoadVocabulary.Read(dataRoot);
            var id = parse.GetValue(runId) ?? Convert.ToHexStringLower(Guid.NewGuid().ToByteArray().AsSpan(0, 4));
            var workload = new LoadWorkload(vocabulary, new WorkloadSettings(parse.GetValue(users), parse.GetValue(zipf), parse.GetValue(dirty)), id, parse.GetValue(seed));
            var eventsBound = parse.GetValue(events);
            var settings = new LoadSettings
            {
                Rate = parse.GetValue(rate),
                Concurrency = parse.GetValue(rate) is null ? parse.GetValue(concurrency) ?? 32 : null,
                Duration = parse.GetValue(duration) is { } seconds ? TimeSpan.FromSeconds(seconds) : eventsBound is null ? TimeSpan.FromSeconds(30) : null,
                Events = eventsBound,
                Batch = parse.GetValue(batch),
                ReadShare = parse.GetValue(readShare),
                ProbeRate = parse.GetValue(probeRate),
                GiveUpAfter = TimeSpan.FromSeconds(parse.GetValue(giveUp)),
                Seed = parse.GetValue(seed),
            };
            Console.Error.WriteLine($"esrs: load run {id} on {target.Describe}; workload: {parse.GetValue(users):N0} users, {vocabulary}");
            using var ledgerFile = parse.GetValue(ledger) is { } ledgerPath ? new LoadLedger(ledgerPath) : null;
            var report = await new LoadRunner(target, workload, settings, ledgerFile).RunAsync(Console.Error, !Console.IsErrorRedirected, cancellationToken);
            Console.Write(report.ToText());
            if (parse.GetValue(json) is { } jsonPath)
            {
                await File.WriteAllTextAsync(jsonPath, report.ToJson(), CancellationToken.None);
            }

            if (parse.GetValue(svg) is { } svgPath)
            {
                await File.WriteAllTextAsync(svgPath, LoadTimelineChart.Render($"esrs load {report.RunId}: {report.Mode}", report.AcknowledgedPerSecond, report.ErrorsPerSecond), CancellationToken.None);
            }

            if (report.EventsAbandoned > 0)
            {
                // Exit 1, and say why: the grid did not take these events within --give-up seconds (more load than it holds).
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"esrs: {report.EventsAbandoned:N0} events abandoned unacknowledged after {settings.GiveUpAfter.TotalSeconds:0} s of retries: the grid did not keep up with this load (exit 1)"));
                return ExitCodes.Failure;
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static Command CheckCommand(Option<string?> url)
    {
        var ledger = new Option<string>("--ledger") { Description = "The ledger a load run wrote", Required = true };
        var wait = new Option<double>("--wait") { Description = "Seconds to keep re-reading users that do not match yet (a Redis stream may still be draining)", DefaultValueFactory = _ => 30 };
        var command = new Command("check", "Hold the profiles to a load ledger: every acknowledged event counted once (exit 1 when not)") { ledger, wait, url };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var path = parse.GetRequiredValue(ledger);
            if (!File.Exists(path))
            {
                throw new UsageException($"load check: ledger not found: {Path.GetFullPath(path)}");
            }

            await using var target = await LoadTarget.OpenAsync(GatewayUri(parse.GetValue(url)), null, ReadKey(), null, "", connections: 64);
            var result = await LedgerCheck.RunAsync(target, path, TimeSpan.FromSeconds(parse.GetValue(wait)), Console.Error, cancellationToken);
            Console.WriteLine(result.ToText());
            foreach (var m in result.Mismatches.Take(20))
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {m.UserId}: {m.Problem} (acknowledged {m.Acknowledged}, abandoned {m.Abandoned}; profile: accepted {m.Profile.Accepted}, repaired {m.Profile.Repaired}, quarantined {m.Profile.Quarantined}, duplicates by id {m.Profile.DuplicatesById}, by content {m.Profile.DuplicatesByContent})"));
            }

            return result.Passed ? ExitCodes.Success : ExitCodes.Failure;
        });
        return command;
    }

    private static string ReadKey() => Environment.GetEnvironmentVariable("ESRS_READ_KEY")
        ?? throw new UsageException("load: a read key is needed: ESRS_READ_KEY (./esrs run prints the development keys)");

    private static Uri GatewayUri(string? url)
    {
        var text = url ?? Environment.GetEnvironmentVariable("ESRS_GATEWAY_URL") ?? "http://127.0.0.1:5080/";
        if (!Uri.TryCreate(text.EndsWith('/') ? text : text + "/", UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new UsageException($"load: --url must be an http URL, not '{text}'");
        }

        return uri;
    }

    private static void Range(OptionResult result, double min, double max)
    {
        if (result.ValueOrNull<double>() is { } value && (value < min || value > max || double.IsNaN(value)))
        {
            result.AddError(string.Create(CultureInfo.InvariantCulture, $"{result.Option.Name} must be in {min}..{max}, not {value}."));
        }
    }
}
