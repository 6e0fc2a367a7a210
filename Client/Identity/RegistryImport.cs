using System.Globalization;
using System.Text;
using Esrs.Client.Gateway;
using Esrs.Client.Import;

namespace Esrs.Client.Identity;

/// <summary>Sends a registry CSV to <c>POST /v1/users/records</c> in batches and sums what the gateway answered.</summary>
public static class RegistryImport
{
    public const int Batch = 500;

    public static async Task<string> RunAsync(HttpClient http, string key, string file, int? limit, TextWriter progress, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(progress);
        if (!File.Exists(file))
        {
            throw new Cli.UsageException($"import registry: file not found: {Path.GetFullPath(file)}");
        }

        int stored = 0, refused = 0, links = 0, read = 0;
        var rules = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var evidence = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var chunk in RegistryCsv.Read(file).Take(limit ?? int.MaxValue).Chunk(Batch))
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "v1/users/records") { Content = JsonContent.Create(chunk, options: GatewayJson.Options) };
            request.Headers.Add(ApiKeyAuthorizer.Header, key);
            using var response = await http.SendAsync(request, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                throw new ImportException($"import registry: the gateway answered {(int)response.StatusCode} after {read:N0} records: {await response.Content.ReadAsStringAsync(cancellationToken)}");
            }

            var answer = (await response.Content.ReadFromJsonAsync<RecordsResponse>(GatewayJson.Options, cancellationToken))!;
            (stored, refused, links, read) = (stored + answer.Stored, refused + answer.Refused, links + answer.Links, read + chunk.Length);
            foreach (var record in answer.Records)
            {
                foreach (var rule in record.Rules)
                {
                    rules[rule] = rules.GetValueOrDefault(rule) + 1;
                }

                foreach (var kind in record.LinkedBy)
                {
                    evidence[kind] = evidence.GetValueOrDefault(kind) + 1;
                }
            }

            await progress.WriteAsync(string.Create(CultureInfo.InvariantCulture, $"\rregistry: {read:N0} records sent, {stored:N0} stored, {links:N0} links"));
        }

        await progress.WriteLineAsync();
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"{"records read",-30}{read,12:N0}");
        text.AppendLine(CultureInfo.InvariantCulture, $"{"stored (pseudonymised)",-30}{stored,12:N0}");
        text.AppendLine(CultureInfo.InvariantCulture, $"{"refused",-30}{refused,12:N0}");
        text.AppendLine(CultureInfo.InvariantCulture, $"{"links made",-30}{links,12:N0}");
        foreach (var (kind, count) in evidence)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"{"  by " + kind,-30}{count,12:N0}");
        }

        foreach (var (rule, count) in rules)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"{"  field dropped or refused: " + rule,-50}{count,12:N0}");
        }

        return text.ToString();
    }
}
