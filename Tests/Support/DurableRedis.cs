using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Esrs.Tests.Support;

/// <summary>
/// A Redis server of a test's own on a free loopback port, keeping its entries as a production one must (append-only
/// file, fsync on every write), that the test can kill and start again on the same files. Killed when disposed.
/// </summary>
public sealed class DurableRedis : IAsyncDisposable
{
    private DurableRedis(string directory, int port) => (Directory, Port) = (directory, port);

    /// <summary>Its folder: the append-only files are under <c>appendonlydir</c>.</summary>
    public string Directory { get; }

    public int Port { get; }

    /// <summary><c>127.0.0.1:port</c>.</summary>
    public string Endpoint => "127.0.0.1:" + Port.ToString(CultureInfo.InvariantCulture);

    public static async Task<DurableRedis> StartAsync(string directory, int? port = null)
    {
        var redis = new DurableRedis(System.IO.Directory.CreateDirectory(directory).FullName, port ?? RealSilo.FreePort());
        await redis.StartAsync();
        return redis;
    }

    /// <summary>Starts the server (again, on the same files) and waits until it answers PING (not while it loads its file).</summary>
    public async Task StartAsync()
    {
        using (var start = Process.Start(new ProcessStartInfo("redis-server",
            ["--port", Port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "yes", "--appendfsync", "always",
             // Rewritten files as plain commands, not a compressed snapshot: a test can read what they hold.
             "--aof-use-rdb-preamble", "no",
             "--dir", Directory, "--daemonize", "yes", "--pidfile", Path.Combine(Directory, "redis.pid"), "--logfile", Path.Combine(Directory, "redis.log")])
            { RedirectStandardOutput = true, RedirectStandardError = true })!)
        {
            await start.WaitForExitAsync();
            if (start.ExitCode != 0)
            {
                throw new InvalidOperationException("redis-server did not start: " + await start.StandardError.ReadToEndAsync());
            }
        }

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!await AnswersAsync())
        {
            if (DateTime.UtcNow > deadline)
            {
                var log = Path.Combine(Directory, "redis.log");
                throw new InvalidOperationException("Redis did not answer within 30 s: " + (File.Exists(log) ? await File.ReadAllTextAsync(log) : "(no log)"));
            }

            await Task.Delay(100);
        }
    }

    /// <summary>Kills the server with SIGKILL (no shutdown, no last write) and waits until it has gone.</summary>
    public async Task KillAsync()
    {
        var pid = int.Parse(await File.ReadAllTextAsync(Path.Combine(Directory, "redis.pid")), CultureInfo.InvariantCulture);
        using var redis = Process.GetProcessById(pid);
        redis.Kill();
        await redis.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await KillAsync();
        }
        catch (Exception ex) when (ex is ArgumentException or IOException)
        {
            // Not running (a test killed it and failed before starting it again).
        }
    }

    private async Task<bool> AnswersAsync()
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(System.Net.IPAddress.Loopback, Port);
            var stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray());
            var answer = new byte[64];
            var read = await stream.ReadAsync(answer).AsTask().WaitAsync(TimeSpan.FromSeconds(2));
            // "-LOADING ..." while it replays the append-only file.
            return Encoding.ASCII.GetString(answer, 0, read).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (Exception ex) when (ex is SocketException or IOException or TimeoutException)
        {
            return false;
        }
    }
}
