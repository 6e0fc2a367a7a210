using System.Globalization;
using System.Net;
using System.Text;
using Esrs.Client.Gateway;
using Esrs.Datasets;

namespace Esrs.Client.Import;

/// <summary>
/// Catalogue sources as records for <c>POST /v1/catalogue/{source}/items</c>: the Flipkart catalogue as written (its
/// <c>pid</c> is the item id, prices in INR, descriptions of the first 999 joined in), and UCI Online Retail's items
/// gathered from its invoice lines. Cleaning is the grid's work; the readers only shape the records.
/// </summary>
public static class CatalogueImport
{
    public const int Batch = 1_000;
    public const string FlipkartSource = "flipkart";
    public const string UciSource = "uci";

    /// <summary>One record per Flipkart row, in file order (duplicates, gaps and cut-off paths as the file has them).</summary>
    public static IEnumerable<CatalogueRecordJson> Flipkart(string folder, int? limit)
    {
        Dictionary<string, string> descriptions;
        var details = Path.Combine(folder, FlipkartCatalog.DetailsFileName);
        using (var file = File.OpenRead(details))
        {
            descriptions = FlipkartCatalog.ReadDescriptions(file);
        }

        using var products = File.OpenRead(Path.Combine(folder, FlipkartCatalog.FileName));
        foreach (var p in FlipkartCatalog.ReadProducts(products, limit))
        {
            yield return new CatalogueRecordJson(p.Pid, p.Name, p.CategoryPath.Length == 0 ? null : p.CategoryPath, p.Brand, p.RetailPrice, p.DiscountedPrice, "INR",
                descriptions.GetValueOrDefault(p.UniqId));
        }
    }

    /// <summary>
    /// One record per UCI stock code, in order of first appearance: the title is the description its lines use most among
    /// product names (free-text notes such as <c>damaged</c> or <c>?</c>, starting in lower case or with <c>?</c>, are not names), the list price the unit
    /// price its sold lines use most (GBP). A code whose lines name it only by notes or not at all has no title (the grid
    /// quarantines it) and keeps the notes as its description.
    /// </summary>
    public static IEnumerable<CatalogueRecordJson> UciItems(IEnumerable<UciRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var items = new Dictionary<string, (Dictionary<string, int> Names, Dictionary<string, int> Notes, Dictionary<decimal, int> Prices)>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var row in rows)
        {
            if (!items.TryGetValue(row.StockCode, out var item))
            {
                items[row.StockCode] = item = (new(StringComparer.Ordinal), new(StringComparer.Ordinal), []);
                order.Add(row.StockCode);
            }

            var description = row.Description.Trim();
            if (description.Length > 0)
            {
                var counts = IsName(description) ? item.Names : item.Notes;
                counts[description] = counts.GetValueOrDefault(description) + 1;
            }

            if (row.Quantity > 0 && row.UnitPrice > 0 && !row.InvoiceNo.StartsWith('C') && !row.InvoiceNo.StartsWith('A'))
            {
                item.Prices[row.UnitPrice] = item.Prices.GetValueOrDefault(row.UnitPrice) + 1;
            }
        }

        foreach (var code in order)
        {
            var (names, notes, prices) = items[code];
            yield return new CatalogueRecordJson(
                code,
                MostUsed(names),
                null,
                null,
                prices.Count == 0 ? null : prices.OrderByDescending(p => p.Value).ThenBy(p => p.Key).First().Key,
                null,
                "GBP",
                names.Count == 0 && notes.Count > 0 ? "notes on its lines: " + string.Join("; ", notes.Keys) : null);
        }

        static string? MostUsed(Dictionary<string, int> counts) => counts.Count == 0 ? null : counts.OrderByDescending(c => c.Value).ThenBy(c => c.Key, StringComparer.Ordinal).First().Key;
    }

    /// <summary>Sends <paramref name="records"/> in batches, retrying a 503 after its Retry-After; returns the summary table.</summary>
    public static async Task<string> RunAsync(HttpClient http, string key, string source, IEnumerable<CatalogueRecordJson> records, TextWriter progress, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(records);
        ArgumentNullException.ThrowIfNull(progress);
        int read = 0, stored = 0, duplicates = 0, unchanged = 0, quarantined = 0;
        var rules = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var chunk in records.Chunk(Batch))
        {
            var answer = await SendAsync(http, key, source, chunk, read, cancellationToken);
            (read, stored, duplicates, unchanged, quarantined) =
                (read + chunk.Length, stored + answer.Stored, duplicates + answer.Duplicates, unchanged + answer.Unchanged, quarantined + answer.Quarantined);
            foreach (var item in answer.Items.Where(i => i.Outcome != Events.OutcomeKind.DuplicateById))
            {
                foreach (var rule in item.Decisions.Select(d => d.RuleId).Distinct())
                {
                    rules[rule] = rules.GetValueOrDefault(rule) + 1;
                }
            }

            await progress.WriteAsync(string.Create(CultureInfo.InvariantCulture, $"\r{source}: {read:N0} records sent, {stored:N0} stored, {duplicates:N0} duplicate listings, {quarantined:N0} quarantined"));
        }

        await progress.WriteLineAsync();
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"{"records read",-44}{read,10:N0}");
        text.AppendLine(CultureInfo.InvariantCulture, $"{"stored (accepted or repaired)",-44}{stored,10:N0}");
        text.AppendLine(CultureInfo.InvariantCulture, $"{"duplicate listings (linked to the first)",-44}{duplicates,10:N0}");
        text.AppendLine(CultureInfo.InvariantCulture, $"{"unchanged (sent before)",-44}{unchanged,10:N0}");
        text.AppendLine(CultureInfo.InvariantCulture, $"{"quarantined",-44}{quarantined,10:N0}");
        text.AppendLine("records per rule:");
        foreach (var (rule, count) in rules.OrderByDescending(r => r.Value).ThenBy(r => r.Key, StringComparer.Ordinal))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  {rule,-42}{count,10:N0}");
        }

        return text.ToString();
    }

    private static async Task<CatalogueResponse> SendAsync(HttpClient http, string key, string source, CatalogueRecordJson[] chunk, int read, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"v1/catalogue/{source}/items") { Content = JsonContent.Create(chunk, options: GatewayJson.Options) };
            request.Headers.Add(ApiKeyAuthorizer.Header, key);
            using var response = await http.SendAsync(request, cancellationToken);
            if (response.StatusCode == HttpStatusCode.ServiceUnavailable && attempt < 10)
            {
                // Retrying is safe: records already stored come back unchanged.
                await Task.Delay(response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1), cancellationToken);
                continue;
            }

            if (!response.IsSuccessStatusCode)
            {
                throw new ImportException($"import: the gateway answered {(int)response.StatusCode} after {read:N0} records: {await response.Content.ReadAsStringAsync(cancellationToken)}");
            }

            return (await response.Content.ReadFromJsonAsync<CatalogueResponse>(GatewayJson.Options, cancellationToken))!;
        }
    }

    /// <summary>Whether a UCI description names a product rather than being a free-text note (which starts in lower case or with <c>?</c>, as the data set's README counts them).</summary>
    private static bool IsName(string description) => !char.IsLower(description[0]) && description[0] != '?';
}
