using Esrs.Cli;
using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Text;
using Esrs.Client.Gateway;
using Esrs.Client.Import;

namespace Esrs.Client.Commands;

/// <summary><c>./esrs quality</c>: the gateway's quality snapshot as terminal tables.</summary>
public static class QualityCommand
{
    public static Command Create()
    {
        var url = new Option<string?>("--url") { Description = "Gateway URL (default ESRS_GATEWAY_URL, as import and load read it, or http://127.0.0.1:5080)" };
        var command = new Command("quality", "The data-quality snapshot as tables (operator key from ESRS_OPERATOR_KEY; ./esrs writes it to .data/dev-keys.env)") { url };
        command.SetAction((parse, cancellationToken) => RunAsync(parse.GetValue(url) ?? Environment.GetEnvironmentVariable("ESRS_GATEWAY_URL") ?? Environment.GetEnvironmentVariable("ESRS_GATEWAY") ?? "http://127.0.0.1:5080", Console.Out));
        return command;
    }

    public static async Task<int> RunAsync(string url, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var key = Environment.GetEnvironmentVariable("ESRS_OPERATOR_KEY");
        if (string.IsNullOrEmpty(key))
        {
            throw new UsageException("quality: no operator key; set ESRS_OPERATOR_KEY (./esrs run writes one to .data/dev-keys.env)");
        }

        using var http = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Add(ApiKeyAuthorizer.Header, key);
        HttpResponseMessage response;
        try
        {
            response = await http.GetAsync("v1/quality");
        }
        catch (HttpRequestException ex)
        {
            throw new ImportException($"quality: gateway {url} unreachable ({ex.Message}); is ./esrs run up?", ex);
        }

        if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            throw new UsageException($"quality: the gateway refused the operator key ({(int)response.StatusCode}): {await response.Content.ReadAsStringAsync()}");
        }

        response.EnsureSuccessStatusCode();
        var snapshot = await response.Content.ReadFromJsonAsync<QualityView>(GatewayJson.Options) ?? throw new InvalidOperationException("empty snapshot");
        output.Write(Render(snapshot));
        return ExitCodes.Success;
    }

    /// <summary>The snapshot as plain-text tables: per source, rules, completeness, open alerts.</summary>
    public static string Render(QualityView snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"data quality as of {snapshot.AsOf:yyyy-MM-dd HH:mm:ss} UTC (last evaluation {snapshot.LastTick:HH:mm:ss})");
        text.AppendLine();
        Table(text, ["source", "events", "accepted", "repaired", "dup (id)", "dup (content)", "quarantined", "completeness", "fresh p50", "fresh p95"],
            snapshot.Sources.Select(s => new[]
            {
                s.Source, N(s.Events), N(s.Accepted), N(s.Repaired), N(s.DuplicatesById), N(s.DuplicatesByContent), N(s.Quarantined),
                P(s.Metrics.GetValueOrDefault("completeness")), Seconds(s.Metrics.GetValueOrDefault("freshness_p50_s")), Seconds(s.Metrics.GetValueOrDefault("freshness_p95_s")),
            }));
        foreach (var s in snapshot.Sources.Where(s => s.Source != "*"))
        {
            text.AppendLine();
            text.AppendLine(CultureInfo.InvariantCulture, $"{s.Source}: rules that fired");
            Table(text, ["rule", "action", "events", "share"],
                s.QuarantineRules.Select(p => new[] { p.Key, "quarantine", N(p.Value), P(p.Value / (double)s.Events) })
                    .Concat(s.RepairRules.Select(p => new[] { p.Key, "repair/flag", N(p.Value), P(p.Value / (double)s.Events) })));
            text.AppendLine();
            text.AppendLine(CultureInfo.InvariantCulture, $"{s.Source}: completeness");
            // Every line received counts here, duplicates included: "missing" is what arrived without the field.
            Table(text, ["field", "present", "missing"], s.Completeness.Where(p => p.Value is > 0).Select(p => new[] { p.Key, P(p.Value), N(s.Missing.GetValueOrDefault(p.Key)) }));
        }

        if (snapshot.PersistProblem is { } problem)
        {
            text.AppendLine();
            text.AppendLine("WARNING: " + problem);
        }

        text.AppendLine();
        text.AppendLine(snapshot.OpenAlerts.Count == 0 ? "no open alerts" : "open alerts");
        if (snapshot.OpenAlerts.Count > 0)
        {
            Table(text, ["opened", "metric", "source", "detector", "observed", "expected", "detail"],
                snapshot.OpenAlerts.Select(a => new[] { a.OpenedAt.ToString("HH:mm:ss", CultureInfo.InvariantCulture), a.Metric, a.Source, a.Detector, D(a.Observed), D(a.Expected), a.Detail }));
        }

        return text.ToString();
    }

    private static void Table(StringBuilder text, string[] header, IEnumerable<string[]> rows)
    {
        var all = new List<string[]> { header };
        all.AddRange(rows);
        var widths = header.Select((_, c) => all.Max(r => r[c].Length)).ToArray();
        foreach (var (r, i) in all.Select((r, i) => (r, i)))
        {
            text.AppendLine(string.Join("  ", r.Select((cell, c) => c == 0 || c == r.Length - 1 && header[c] == "detail" ? cell.PadRight(widths[c]) : cell.PadLeft(widths[c]))).TrimEnd());
            if (i == 0)
            {
                text.AppendLine(string.Join("  ", widths.Select(w => new string('-', w))));
            }
        }
    }

    private static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string P(double? value) => value switch
    {
        null => "-",
        > 0 and < 0.0001 => "< 0.01 %",
        { } v => (v * 100).ToString(v is > 0 and < 0.01 ? "0.00" : "0.0", CultureInfo.InvariantCulture) + " %",
    };

    private static string D(double? value) => value is { } v ? v.ToString("0.###", CultureInfo.InvariantCulture) : "-";

    private static string Seconds(double? value) => value switch
    {
        null => "-",
        >= 86_400 => (value.Value / 86_400).ToString("0.#", CultureInfo.InvariantCulture) + " d",
        >= 3_600 => (value.Value / 3_600).ToString("0.#", CultureInfo.InvariantCulture) + " h",
        _ => value.Value.ToString("0.#", CultureInfo.InvariantCulture) + " s",
    };
}
