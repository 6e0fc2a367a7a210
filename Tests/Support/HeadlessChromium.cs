using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Esrs.Tests.Support;

/// <summary>
/// Debian's headless Chromium driven over the DevTools protocol (a WebSocket, JSON messages): one page, navigation that
/// completes on the page's load event, script evaluation that awaits promises, screenshots. Enough to use a page as a
/// person would (type a key into a form, submit it) without a browser driver package.
/// </summary>
internal sealed partial class HeadlessChromium : IAsyncDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly Process _process;
    private readonly ClientWebSocket _socket;
    private readonly string _profile;
    private readonly Dictionary<long, TaskCompletionSource<JsonNode>> _calls = [];
    private readonly List<(string Method, TaskCompletionSource<JsonNode> Seen)> _waits = [];
    private readonly CancellationTokenSource _closing = new();
    private readonly Task _receiving;
    private string _session = "";
    private long _nextId;

    private HeadlessChromium(Process process, ClientWebSocket socket, string profile)
    {
        _process = process;
        _socket = socket;
        _profile = profile;
        _receiving = Task.Run(ReceiveAsync);
    }

    /// <summary>Starts Chromium with a fresh profile and opens one blank page of <paramref name="width"/> x <paramref name="height"/>.</summary>
    public static async Task<HeadlessChromium> StartAsync(int width = 1400, int height = 2600)
    {
        var profile = Path.Combine(Path.GetTempPath(), "esrs-chromium-" + Guid.NewGuid().ToString("N"));
        var start = new ProcessStartInfo(TestServices.Chromium) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in new[]
                 {
                     "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-quic",
                     "--remote-debugging-port=0", "--user-data-dir=" + profile, "about:blank",
                 })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start)!;
        _ = process.StandardOutput.ReadToEndAsync();
        string? endpoint = null;
        using (var timeout = new CancellationTokenSource(Timeout))
        {
            while (endpoint is null && await process.StandardError.ReadLineAsync(timeout.Token) is { } line)
            {
                endpoint = DevToolsLine().Match(line) is { Success: true } m ? m.Groups[1].Value : null;
            }
        }

        Assert.True(endpoint is not null, "Chromium did not print its DevTools endpoint");
        _ = process.StandardError.ReadToEndAsync();
        var socket = new ClientWebSocket();
        socket.Options.KeepAliveInterval = TimeSpan.Zero;
        await socket.ConnectAsync(new Uri(endpoint), CancellationToken.None);
        var browser = new HeadlessChromium(process, socket, profile);
        var target = await browser.SendAsync("Target.createTarget", new JsonObject { ["url"] = "about:blank" }, browserLevel: true);
        var attached = await browser.SendAsync("Target.attachToTarget", new JsonObject { ["targetId"] = target["targetId"]!.GetValue<string>(), ["flatten"] = true }, browserLevel: true);
        browser._session = attached["sessionId"]!.GetValue<string>();
        await browser.SendAsync("Page.enable");
        await browser.SendAsync("Emulation.setDeviceMetricsOverride", new JsonObject { ["width"] = width, ["height"] = height, ["deviceScaleFactor"] = 1, ["mobile"] = false });
        return browser;
    }

    /// <summary>Opens <paramref name="url"/> and returns when its load event fired.</summary>
    public async Task NavigateAsync(Uri url)
    {
        var loaded = Expect("Page.loadEventFired");
        await SendAsync("Page.navigate", new JsonObject { ["url"] = url.ToString() });
        await loaded.WaitAsync(Timeout);
    }

    /// <summary>Evaluates <paramref name="expression"/> in the page, awaiting a promise it returns; the value as JSON.</summary>
    public async Task<JsonNode?> EvaluateAsync(string expression)
    {
        var result = await SendAsync("Runtime.evaluate", new JsonObject { ["expression"] = expression, ["awaitPromise"] = true, ["returnByValue"] = true });
        Assert.True(result["exceptionDetails"] is null, $"script failed: {result["exceptionDetails"]?.ToJsonString()}");
        return result["result"]?["value"];
    }

    /// <summary>The page as a PNG.</summary>
    public async Task<byte[]> ScreenshotAsync() =>
        Convert.FromBase64String((await SendAsync("Page.captureScreenshot", new JsonObject { ["format"] = "png" }))["data"]!.GetValue<string>());

    public async ValueTask DisposeAsync()
    {
        await _closing.CancelAsync();
        try
        {
            _socket.Abort();
            await _receiving.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        finally
        {
            _socket.Dispose();
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            await _process.WaitForExitAsync();
            _process.Dispose();
            try
            {
                Directory.Delete(_profile, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private Task<JsonNode> Expect(string method)
    {
        var seen = new TaskCompletionSource<JsonNode>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_waits)
        {
            _waits.Add((method, seen));
        }

        return seen.Task;
    }

    private async Task<JsonNode> SendAsync(string method, JsonObject? parameters = null, bool browserLevel = false)
    {
        var reply = new TaskCompletionSource<JsonNode>(TaskCreationOptions.RunContinuationsAsynchronously);
        long id;
        lock (_calls)
        {
            id = ++_nextId;
            _calls[id] = reply;
        }

        var message = new JsonObject { ["id"] = id, ["method"] = method, ["params"] = parameters ?? [] };
        if (!browserLevel)
        {
            message["sessionId"] = _session;
        }

        await _socket.SendAsync(Encoding.UTF8.GetBytes(message.ToJsonString()), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
        var answer = await reply.Task.WaitAsync(Timeout);
        Assert.True(answer["error"] is null, $"{method} failed: {answer["error"]?.ToJsonString()}");
        return answer["result"] ?? new JsonObject();
    }

    private async Task ReceiveAsync()
    {
        var buffer = new byte[1 << 16];
        using var message = new MemoryStream();
        while (!_closing.IsCancellationRequested)
        {
            var received = await _socket.ReceiveAsync(buffer, _closing.Token);
            if (received.MessageType == WebSocketMessageType.Close)
            {
                return;
            }

            message.Write(buffer, 0, received.Count);
            if (!received.EndOfMessage)
            {
                continue;
            }

            var node = JsonNode.Parse(message.ToArray())!;
            message.SetLength(0);
            if (node["id"] is { } id)
            {
                TaskCompletionSource<JsonNode>? reply;
                lock (_calls)
                {
                    _calls.Remove(id.GetValue<long>(), out reply);
                }

                reply?.TrySetResult(node);
            }
            else if (node["method"]?.GetValue<string>() is { } method)
            {
                lock (_waits)
                {
                    foreach (var wait in _waits.Where(w => w.Method == method).ToList())
                    {
                        _waits.Remove(wait);
                        wait.Seen.TrySetResult(node);
                    }
                }
            }
        }
    }

    [GeneratedRegex(@"DevTools listening on (ws://\S+)")]
    private static partial Regex DevToolsLine();
}
