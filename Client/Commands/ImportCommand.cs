using Esrs.Client.Import;
using Esrs.Datasets;
using StackExchange.Redis;

namespace Esrs.Client.Commands;

/// <summary><c>import &lt;dataset&gt; [--limit N] [--via http|redis|orleans]</c>: streams a real data set into the grid.</summary>
public static class ImportCommand
{
    public const string Usage = "import <uci-online-retail|taobao-user-behavior-slice|flipkart-product-catalog> [--limit N] [--via http|redis|orleans] [--url URL] [--key KEY] [--redis HOST:PORT] [--stream NAME] [--data DIR]";

    public static async Task<int> RunAsync(string[] args)
    {
        var line = new CommandLine(args, "limit", "via", "url", "key", "redis", "stream", "data");
        if (line.Positionals.Count != 1)
        {
            throw new UsageException(Usage);
        }

        var dataset = line.Positionals[0];
        var limit = line.Int("limit");
        var dataRoot = line["data"] ?? Environment.GetEnvironmentVariable("ESRS_DATA") ?? Path.Combine("..", "shared", "data");
        var file = dataset switch
        {
            "uci-online-retail" => Path.Combine(dataRoot, dataset, UciOnlineRetail.FileName),
            "taobao-user-behavior-slice" => Path.Combine(dataRoot, dataset, TaobaoUserBehavior.FileName),
            "flipkart-product-catalog" => Path.Combine(dataRoot, dataset, FlipkartCatalog.FileName),
            _ => throw new UsageException($"unknown data set '{dataset}'; {Usage}"),
        };
        if (!File.Exists(file))
        {
            Console.Error.WriteLine($"esrs import: data file not found: {Path.GetFullPath(file)}");
            return 2;
        }

        await using var stream = File.OpenRead(file);
        double Fraction() => (double)stream.Position / stream.Length;
        if (dataset == "flipkart-product-catalog")
        {
            return Catalogue(stream, limit);
        }

        var events = dataset == "uci-online-retail"
            ? UciOnlineRetail.ReadRows(stream, limit).Select(UciOnlineRetail.ToEvent)
            : TaobaoUserBehavior.ReadEvents(stream, limit);
        var via = line["via"] ?? "http";
        await using var sink = await OpenSinkAsync(via, line);
        var summary = await Importer.RunAsync(events, sink, Console.Error, Fraction);
        Console.WriteLine(summary.ToTable());
        return 0;
    }

    private static async Task<IEventSink> OpenSinkAsync(string via, CommandLine line)
    {
        switch (via)
        {
            case "http":
                var url = line["url"] ?? Environment.GetEnvironmentVariable("ESRS_GATEWAY_URL") ?? "http://127.0.0.1:5080/";
                var key = line["key"] ?? Environment.GetEnvironmentVariable("ESRS_API_KEY")
                    ?? throw new UsageException("an API key is needed: --key KEY or ESRS_API_KEY (./esrs run prints the development key)");
                var http = new HttpClient { BaseAddress = new Uri(url.EndsWith('/') ? url : url + "/"), Timeout = TimeSpan.FromMinutes(2) };
                try
                {
                    (await http.GetAsync("healthz")).EnsureSuccessStatusCode();
                }
                catch (HttpRequestException ex)
                {
                    throw new ImportException($"cannot reach the gateway at {http.BaseAddress} ({ex.Message}); start it with ./esrs run");
                }

                return new HttpEventSink(http, key);
            case "redis":
                var endpoint = line["redis"] ?? Environment.GetEnvironmentVariable("ESRS_REDIS") ?? "127.0.0.1:6379";
                try
                {
                    var redis = await ConnectionMultiplexer.ConnectAsync(new ConfigurationOptions { EndPoints = { endpoint }, AbortOnConnectFail = true, ConnectTimeout = 5000 });
                    return new RedisEventSink(redis, line["stream"] ?? "esrs:events");
                }
                catch (RedisConnectionException ex)
                {
                    throw new ImportException($"cannot reach Redis at {endpoint} ({ex.Message})");
                }

            case "orleans":
                return new OrleansEventSink(await GrainCommands.ConnectAsync());
            default:
                throw new UsageException($"--via must be http, redis or orleans, not '{via}'");
        }
    }

    private static int Catalogue(Stream stream, int? limit)
    {
        // The catalogue feeds the integration work (item join, distant supervision); here it is read and described.
        long products = 0, withBrand = 0, withPrices = 0, singleLevel = 0;
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var product in FlipkartCatalog.ReadProducts(stream, limit))
        {
            products++;
            withBrand += product.Brand is null ? 0 : 1;
            withPrices += product.RetailPrice is null || product.DiscountedPrice is null ? 0 : 1;
            singleLevel += product.CategoryPath.Contains('>', StringComparison.Ordinal) ? 0 : 1;
            names.Add(product.Name);
        }

        Console.WriteLine($"{"products",-30}{products,12:N0}");
        Console.WriteLine($"{"with brand",-30}{withBrand,12:N0}");
        Console.WriteLine($"{"with both prices",-30}{withPrices,12:N0}");
        Console.WriteLine($"{"single-level category path",-30}{singleLevel,12:N0}");
        Console.WriteLine($"{"distinct product names",-30}{names.Count,12:N0}");
        Console.WriteLine("(catalogue rows are not user events: nothing was sent)");
        return 0;
    }
}
