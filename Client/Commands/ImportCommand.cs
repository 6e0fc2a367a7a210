using Esrs.Cli;
using System.CommandLine;
using Esrs.Client.Import;
using Esrs.Datasets;

namespace Esrs.Client.Commands;

/// <summary><c>import &lt;dataset&gt; [--limit N] [--via http|redis|orleans]</c>: streams a real data set into the grid.</summary>
public static class ImportCommand
{
    private static readonly string[] DataSets = ["uci-online-retail", "taobao-user-behavior-slice", "flipkart-product-catalog", "uci-items", "registry"];

    public static Command Create()
    {
        var dataset = new Argument<string>("dataset") { Description = "Events: uci-online-retail, taobao-user-behavior-slice; catalogue: flipkart-product-catalog, uci-items (UCI's items from its invoice lines); registry (a user-registry CSV named by --file)" };
        dataset.AcceptOnlyFromAmong(DataSets);
        var limit = new Option<int?>("--limit") { Description = "Read at most this many rows (uci-items: items gathered from those rows only, replacing the stored ones)" };
        limit.Validators.Add(r => r.AddErrorIfBelow(1));
        var via = new Option<string>("--via") { Description = "Where events go: the HTTP gateway, the Redis stream, or the silo over an Orleans client", DefaultValueFactory = _ => "http" };
        via.AcceptOnlyFromAmong("http", "redis", "orleans");
        var url = new Option<string?>("--url") { Description = "Gateway URL (default ESRS_GATEWAY_URL or http://127.0.0.1:5080/)" };
        var key = new Option<string?>("--key") { Description = "Write key (default ESRS_API_KEY; prefer the variable: a key on the command line shows in ps)" };
        var redis = new Option<string?>("--redis") { Description = "Redis endpoint host:port (default ESRS_REDIS or 127.0.0.1:6379)" };
        var stream = new Option<string>("--stream") { Description = "Redis stream", DefaultValueFactory = _ => "esrs:events" };
        var data = new Option<string?>("--data") { Description = "Folder of the data sets (default ESRS_DATA or ../shared/data)" };
        var file = new Option<string?>("--file") { Description = "registry: the CSV to send (./esrs generate registry writes one)" };
        var command = new Command("import", "Stream a data set of ../shared/data into a running grid (events, catalogue items or registry records): progress, then a summary table")
        {
            dataset, limit, via, url, key, redis, stream, data, file,
        };
        command.SetAction((parse, cancellationToken) => RunAsync(new Settings(
            parse.GetRequiredValue(dataset), parse.GetValue(limit), parse.GetRequiredValue(via), parse.GetValue(url), parse.GetValue(key),
            parse.GetValue(redis), parse.GetRequiredValue(stream), parse.GetValue(data), parse.GetValue(file))));
        return command;
    }

    private static async Task<int> RunAsync(Settings settings)
    {
        if (settings.DataSet == "registry")
        {
            if (settings.File is null || settings.Via != "http")
            {
                throw new UsageException("import registry: --file FILE is needed, and records go through the HTTP gateway only (it pseudonymises them)");
            }

            var (http, key) = await GatewayAsync(settings);
            using (http)
            {
                Console.Write(await Identity.RegistryImport.RunAsync(http, key, settings.File, settings.Limit, Console.Error));
            }

            return ExitCodes.Success;
        }

        var dataRoot = settings.Data ?? Environment.GetEnvironmentVariable("ESRS_DATA") ?? Path.Combine("..", "shared", "data");
        var file = settings.DataSet switch
        {
            "uci-online-retail" or "uci-items" => Path.Combine(dataRoot, "uci-online-retail", UciOnlineRetail.FileName),
            "taobao-user-behavior-slice" => Path.Combine(dataRoot, settings.DataSet, TaobaoUserBehavior.FileName),
            _ => Path.Combine(dataRoot, settings.DataSet, FlipkartCatalog.FileName),
        };
        if (!File.Exists(file))
        {
            throw new UsageException($"import: data file not found: {Path.GetFullPath(file)}");
        }

        if (settings.DataSet is "flipkart-product-catalog" or "uci-items")
        {
            if (settings.Via != "http")
            {
                throw new UsageException($"import {settings.DataSet}: catalogue records go through the HTTP gateway only (--via http)");
            }

            var (http, key) = await GatewayAsync(settings);
            using (http)
            {
                var (source, records) = settings.DataSet == "uci-items"
                    ? (CatalogueImport.UciSource, CatalogueImport.UciItems(UciOnlineRetail.ReadRows(file, settings.Limit)))
                    : (CatalogueImport.FlipkartSource, CatalogueImport.Flipkart(Path.GetDirectoryName(file)!, settings.Limit));
                Console.Write(await CatalogueImport.RunAsync(http, key, source, records, Console.Error));
            }

            return ExitCodes.Success;
        }

        await using var stream = File.OpenRead(file);
        double Fraction() => (double)stream.Position / stream.Length;
        var events = settings.DataSet == "uci-online-retail"
            ? UciOnlineRetail.ReadRows(stream, settings.Limit).Select(UciOnlineRetail.ToEvent)
            : TaobaoUserBehavior.ReadEvents(stream, settings.Limit);
        await using var sink = await OpenSinkAsync(settings);
        var summary = await Importer.RunAsync(events, sink, Console.Error, Fraction, expected: settings.Limit);
        Console.WriteLine(summary.ToTable());
        return ExitCodes.Success;
    }

    private static async Task<IEventSink> OpenSinkAsync(Settings settings)
    {
        switch (settings.Via)
        {
            case "http":
                var (http, key) = await GatewayAsync(settings);
                return new HttpEventSink(http, key);
            case "redis":
                var endpoint = settings.Redis ?? Environment.GetEnvironmentVariable("ESRS_REDIS") ?? "127.0.0.1:6379";
                return new RedisEventSink(await GridEndpoints.ConnectRedisAsync(endpoint), settings.Stream);

            case "orleans":
                return new OrleansEventSink(await GrainCommands.ConnectAsync());
            default:
                throw new UsageException($"--via must be http, redis or orleans, not '{settings.Via}'");
        }
    }

    private static async Task<(HttpClient Http, string Key)> GatewayAsync(Settings settings)
    {
        var url = settings.Url ?? Environment.GetEnvironmentVariable("ESRS_GATEWAY_URL") ?? "http://127.0.0.1:5080/";
        var key = settings.Key ?? Environment.GetEnvironmentVariable("ESRS_API_KEY")
            ?? throw new UsageException("an API key is needed: --key KEY or ESRS_API_KEY (./esrs run prints the development key)");
        var http = new HttpClient { BaseAddress = new Uri(url.EndsWith('/') ? url : url + "/"), Timeout = TimeSpan.FromMinutes(2) };
        try
        {
            await GridEndpoints.CheckGatewayAsync(http);
        }
        catch
        {
            http.Dispose();
            throw;
        }

        return (http, key);
    }

    private sealed record Settings(string DataSet, int? Limit, string Via, string? Url, string? Key, string? Redis, string Stream, string? Data, string? File = null);
}
