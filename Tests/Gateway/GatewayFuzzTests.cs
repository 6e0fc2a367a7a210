using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Esrs.Events;
using Esrs.Tests.Support;
using MessagePack;

namespace Esrs.Tests.Gateway;

/// <summary>
/// 10,000 generated and mutated bodies against the real gateway (Kestrel, a real silo): JSON and MessagePack, wrong
/// types, huge and deeply nested values, invalid UTF-8, numbers that overflow, truncated and bit-flipped input, unknown
/// fields, batches over the limit. No answer may be a 5xx, every 4xx is problem details with a rule, every 202 has one
/// outcome per event, and the gateway still serves afterwards. Seeded: a failure names the seed and the body.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class GatewayFuzzTests(GatewayFixture fixture)
{
    private const int Bodies = 10_000;
    private static readonly string[] Types = ["view", "purchase", "add-to-cart", "search", "rating", "pv", "Teleport", "", "cancel"];
    private static readonly string[] Fields = ["eventId", "userId", "type", "occurredAt", "source", "itemId", "itemTitle", "categoryPath", "brand", "query",
        "quantity", "unitPrice", "currency", "rating", "age", "gender", "attributes", "sourceRef"];

    [Fact]
    public async Task TenThousandGeneratedAndMutatedBodiesGetNoServerErrorAndEveryRefusalNamesItsRule()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("ESRS_FUZZ_SEED"), out var s) ? s : 20261127;
        var random = new Random(seed);
        var bodies = Enumerable.Range(0, Bodies).Select(i => Body(random, i)).ToList();
        using var http = fixture.Client();
        // As a careful producer sends large bodies: the gateway can refuse one by its length before it is sent.
        http.DefaultRequestHeaders.ExpectContinue = true;
        var statuses = new int[600];
        using var gate = new SemaphoreSlim(8);
        await Task.WhenAll(bodies.Select(async (body, index) =>
        {
            await gate.WaitAsync();
            try
            {
                using var content = new ByteArrayContent(body.Bytes) { Headers = { ContentType = new MediaTypeHeaderValue(body.MediaType) } };
                using var response = await http.PostAsync("v1/events", content);
                var text = await response.Content.ReadAsStringAsync();
                var status = (int)response.StatusCode;
                Interlocked.Increment(ref statuses[status]);
                var where = $"seed {seed}, body {index} ({body.Kind}, {body.MediaType}, {body.Bytes.Length} bytes: {Preview(body.Bytes)}): {status} {text[..Math.Min(300, text.Length)]}";
                Assert.True(status < 500, "server error for " + where);
                if (status >= 400)
                {
                    Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
                    using var problem = JsonDocument.Parse(text);
                    Assert.True(problem.RootElement.TryGetProperty("rule", out var rule) && rule.GetString() is { Length: > 0 }, "refusal without a rule for " + where);
                }
                else
                {
                    Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
                    using var accepted = JsonDocument.Parse(text);
                    Assert.True(accepted.RootElement.GetProperty("outcomes").GetArrayLength() > 0, "202 without outcomes for " + where);
                }
            }
            finally
            {
                gate.Release();
            }
        }));

        // Both ways through: some bodies were taken, most refused, and the gateway still serves.
        Assert.True(statuses[202] > 500 && statuses[400] > 1_000, $"202: {statuses[202]}, 400: {statuses[400]}, 413: {statuses[413]}");
        var user = "fuzz-after-" + Guid.NewGuid().ToString("N");
        var after = await http.PostAsync("v1/events", new StringContent(JsonSerializer.Serialize(Valid(new Random(1), user)), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Accepted, after.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"v1/users/{user}/profile")).StatusCode);
    }

    private static (string Kind, string MediaType, byte[] Bytes) Body(Random random, int index)
    {
        var json = index % 3 != 2;
        return (random.Next(10), json) switch
        {
            (< 2, true) => ("valid json", "application/json", Encoding.UTF8.GetBytes(JsonSerializer.Serialize(Batch(random)))),
            (< 2, false) => ("valid msgpack", "application/x-msgpack", MessagePackSerializer.Serialize(Enumerable.Range(0, random.Next(1, 6)).Select(_ => Event(random)).ToArray())),
            (< 4, true) => ("wrong types", "application/json", Encoding.UTF8.GetBytes(WrongTypes(random))),
            (< 5, true) => ("huge or deep", "application/json", HugeOrDeep(random)),
            (< 5, false) => ("msgpack header", "application/x-msgpack", MessagePackHeaders(random)),
            (_, true) => ("mutated json", "application/json", Mutate(random, Encoding.UTF8.GetBytes(JsonSerializer.Serialize(Batch(random))))),
            (_, false) => ("mutated msgpack", "application/x-msgpack", Mutate(random, MessagePackSerializer.Serialize(Enumerable.Range(0, random.Next(1, 4)).Select(_ => Event(random)).ToArray()))),
        };
    }

    private static object Batch(Random random) => random.Next(3) == 0
        ? Valid(random, "fuzz-" + random.Next(50))
        : Enumerable.Range(0, random.Next(1, 8)).Select(_ => Valid(random, "fuzz-" + random.Next(50))).ToArray();

    private static Dictionary<string, object?> Valid(Random random, string user) => new()
    {
        ["eventId"] = "fz-" + random.NextInt64().ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["userId"] = random.Next(20) == 0 ? "" : user,
        ["type"] = Types[random.Next(Types.Length)],
        ["occurredAt"] = DateTime.UtcNow.AddMinutes(-random.Next(100_000)).ToString("O"),
        ["itemId"] = "sku-" + random.Next(30),
        ["query"] = random.Next(2) == 0 ? "lamp" : null,
        ["quantity"] = random.Next(-3, 5),
        ["unitPrice"] = Math.Round(random.NextDouble() * 50, 2),
        ["rating"] = random.Next(0, 8),
        ["sourceRef"] = random.Next(3) == 0 ? "inv-" + random.Next(100) : null,
    };

    private static UserEvent Event(Random random) => TestEvents.View("fuzz-mp-" + random.Next(50), "sku-" + random.Next(30), DateTime.UtcNow.AddMinutes(-random.Next(100_000))) with
    {
        Type = (EventType)random.Next(-2, 12),
        Quantity = random.Next(3) == 0 ? random.Next(int.MinValue, int.MaxValue) : null,
        Source = random.Next(4) == 0 ? null! : "fuzz",
        Attributes = random.Next(4) == 0 ? new Dictionary<string, string> { ["k" + random.Next(9)] = new string('v', random.Next(200)) } : null,
    };

    private static string WrongTypes(Random random)
    {
        var e = Valid(random, "fuzz-" + random.Next(50));
        var field = Fields[random.Next(Fields.Length)];
        e[field] = random.Next(7) switch
        {
            0 => 12345,
            1 => "twelve",
            2 => new[] { 1, 2, 3 },
            3 => new Dictionary<string, object> { ["nested"] = true },
            4 => true,
            5 => 1e300,
            _ => null,
        };
        var text = JsonSerializer.Serialize(e);
        return random.Next(4) switch
        {
            0 => text.Replace("\"quantity\":", "\"quantity\":99999999999999999999,\"q2\":", StringComparison.Ordinal),
            1 => text.Replace("\"unitPrice\":", "\"unitPrice\":1e400,\"p2\":", StringComparison.Ordinal),
            2 => text.Replace("\"occurredAt\":\"", "\"occurredAt\":\"9999-12-31T23:59:59-14:00\",\"o2\":\"", StringComparison.Ordinal),
            _ => text,
        };
    }

    private static byte[] HugeOrDeep(Random random) => random.Next(5) switch
    {
        0 => Encoding.UTF8.GetBytes(new string('[', random.Next(65, 5_000)) + new string(']', random.Next(0, 5_000))),
        1 => Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new Dictionary<string, object> { ["eventId"] = new string('x', random.Next(100_000, 900_000)), ["type"] = "view" })),
        2 => Encoding.UTF8.GetBytes("[" + string.Join(',', Enumerable.Repeat("{}", random.Next(900, 1_200))) + "]"),
        3 => [.. Encoding.UTF8.GetBytes("{\"eventId\":\""), .. Enumerable.Range(0, 64).Select(_ => (byte)random.Next(0x80, 0x100)), .. Encoding.UTF8.GetBytes("\"}")],
        _ => new byte[random.Next(1 << 20, (1 << 20) + 4_096)],
    };

    private static byte[] MessagePackHeaders(Random random) => random.Next(4) switch
    {
        0 => [0xdd, 0x7f, 0xff, 0xff, 0xff, 0x90],
        1 => [0xdc, 0x04, 0x00, .. Enumerable.Repeat((byte)0x90, random.Next(0, 1_100))],
        2 => [0x91, 0xdf, 0x7f, 0xff, 0xff, 0xff],
        _ => [.. Enumerable.Range(0, random.Next(1, 64)).Select(_ => (byte)random.Next(256))],
    };

    private static byte[] Mutate(Random random, byte[] bytes)
    {
        if (bytes.Length == 0)
        {
            return bytes;
        }

        var copy = bytes.ToList();
        for (var n = random.Next(1, 6); n > 0 && copy.Count > 0; n--)
        {
            var at = random.Next(copy.Count);
            switch (random.Next(4))
            {
                case 0: copy[at] = (byte)random.Next(256); break;
                case 1: copy.RemoveRange(at, copy.Count - at); break;
                case 2: copy.Insert(at, (byte)random.Next(256)); break;
                default: copy.RemoveAt(at); break;
            }
        }

        return [.. copy];
    }

    private static string Preview(byte[] bytes) => Convert.ToHexString(bytes, 0, Math.Min(bytes.Length, 96));
}
