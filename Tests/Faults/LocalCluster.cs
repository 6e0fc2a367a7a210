using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Esrs.Tests.Support;

namespace Esrs.Tests.Faults;

/// <summary>
/// <c>./esrs run --silos 3 --cluster postgres</c> as a user starts it (its own PostgreSQL, free loopback ports, a fresh
/// data folder), with <c>./esrs silo ...</c> to act on it, and every silo consuming the Redis stream of a Redis server
/// of its own that keeps its entries as a production one must (append-only file, fsync on every write). Shared by the
/// fault tests of one class; stopped at the end.
/// </summary>
public sealed class LocalCluster : IAsyncLifetime
{
    public const int Silos = 3;
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);
    private readonly TempDirectory _data = new();
    private StringBuilder _output = new();
    private Process? _run;
    private DurableRedis? _redis;

    public Dictionary<string, string> Environment { get; } = [];

    public int HttpPort { get; private set; }

    public Uri Gateway => new($"http://127.0.0.1:{HttpPort}/");

    public string DataDirectory => _data.Path;

    /// <summary>The cluster's Redis (<c>127.0.0.1:port</c>).</summary>
    public string Redis => _redis!.Endpoint;

    public IReadOnlyDictionary<string, string> Keys { get; private set; } = new Dictionary<string, string>();

    public async Task InitializeAsync()
    {
        HttpPort = FreeRun(1);
        Environment["ESRS_DATA_DIR"] = _data.Path;
        Environment["ESRS_HTTP_PORT"] = Text(HttpPort);
        Environment["ESRS_SILO_PORT"] = Text(FreeRun(Silos));
        Environment["ESRS_GATEWAY_PORT"] = Text(FreeRun(Silos));
        Environment["ESRS_METRICS_PORT"] = Text(FreeRun(Silos));
        Environment["ESRS_PG_PORT"] = Text(FreeRun(1));
        Environment["ESRS_NO_BUILD"] = "1";
        _redis = await DurableRedis.StartAsync(Path.Combine(_data.Path, "redis"), FreeRun(1));
        Environment["ESRS_REDIS"] = Redis;
        _run = EsrsScript.StartWatched(["run", "--silos", Text(Silos), "--cluster", "postgres"], $"Now listening on: http://127.0.0.1:{HttpPort}", Environment, out var started, out _output);
        var exited = _run.WaitForExitAsync();
        if (await Task.WhenAny(started, exited, Task.Delay(Patience)) != started)
        {
            throw new InvalidOperationException("./esrs run --silos 3 --cluster postgres did not start:\n" + Output);
        }

        Keys = File.ReadAllLines(Path.Combine(_data.Path, "dev-keys.env")).Select(l => l.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
    }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Runs <c>./esrs silo &lt;arguments&gt;</c> on this cluster; fails the test when it fails.</summary>
    public async Task<string> SiloAsync(params string[] arguments)
    {
        var (code, stdout, stderr) = await EsrsScript.RunAsync(["silo", .. arguments], Patience, Environment);
        if (code != 0)
        {
            throw new InvalidOperationException($"./esrs silo {string.Join(' ', arguments)} exited {code}: {stdout}{stderr}");
        }

        return stdout + stderr;
    }

    /// <summary>Starts every silo that is down (a test before may have killed one).</summary>
    public async Task HealAsync()
    {
        var status = await SiloAsync("status");
        foreach (var line in status.Split('\n').Where(l => l.EndsWith("down", StringComparison.Ordinal)))
        {
            await SiloAsync("start", line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
        }
    }

    /// <summary>Starts the cluster's Redis again on its files (see <see cref="DurableRedis"/>).</summary>
    public Task StartRedisAsync() => _redis!.StartAsync();

    /// <summary>Kills the cluster's Redis with SIGKILL and waits until it has gone.</summary>
    public Task KillRedisAsync() => _redis!.KillAsync();

    public async Task DisposeAsync()
    {
        if (_run is not null)
        {
            // TERM to the script: its trap stops the gateway and every silo.
            Process.Start("kill", ["-TERM", Text(_run.Id)])?.WaitForExit();
            await _run.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));
            _run.Dispose();
        }

        await EsrsScript.RunAsync(["silo", "stop-postgres"], Patience, Environment);
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }

        _data.Dispose();
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// The first of <paramref name="count"/> free ports in a row, below the kernel's ephemeral range: a port picked inside
    /// it can be taken by an outgoing connection before the silo binds it (silo 3 of a fault cluster once failed to start
    /// with "address already in use", its port given to a connection of silo 1 or 2 in the meantime).
    /// </summary>
    private static int FreeRun(int count)
    {
        var below = EphemeralPortsStart();
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var first = Random.Shared.Next(10_000, below - count);
            if (Enumerable.Range(first, count).All(IsFree))
            {
                return first;
            }
        }

        throw new InvalidOperationException("No run of free ports found.");
    }

    private static int EphemeralPortsStart()
    {
        const string Range = "/proc/sys/net/ipv4/ip_local_port_range";
        return File.Exists(Range) && int.TryParse(File.ReadAllText(Range).Split((char[])['\t', ' '], StringSplitOptions.RemoveEmptyEntries)[0], out var start) && start > 12_000
            ? start
            : 32_768;
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(System.Net.IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
