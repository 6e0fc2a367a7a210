using System.Globalization;
using Esrs.Client.Import;
using Esrs.Events;

namespace Esrs.Client.Load;

/// <summary>One product the load client can show: UCI's stock code, description and a typical price.</summary>
public sealed record LoadItem(string ItemId, string Title, decimal UnitPrice);

/// <summary>
/// What the load client's events are made of, resampled from the real data sets: products (ids, titles, prices) and
/// search phrases from UCI Online Retail, the share of each behaviour (view, cart, favourite, purchase) from the Taobao slice.
/// </summary>
public sealed class LoadVocabulary
{
    public LoadVocabulary(IReadOnlyList<LoadItem> items, IReadOnlyList<string> queries, IReadOnlyList<(EventType Type, double Share)> behaviourMix)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(queries);
        ArgumentNullException.ThrowIfNull(behaviourMix);
        if (items.Count == 0 || queries.Count == 0 || behaviourMix.Count == 0)
        {
            throw new ArgumentException("A load vocabulary needs items, queries and a behaviour mix.");
        }

        Items = items;
        Queries = queries;
        BehaviourMix = behaviourMix;
    }

    public IReadOnlyList<LoadItem> Items { get; }

    public IReadOnlyList<string> Queries { get; }

    /// <summary>Shares of the behaviours after a first view, summing to 1.</summary>
    public IReadOnlyList<(EventType Type, double Share)> BehaviourMix { get; }

    /// <summary>
    /// Reads the first <paramref name="uciRows"/> UCI rows and <paramref name="taobaoRows"/> Taobao rows under <paramref name="dataRoot"/>.
    /// Only products with a description and a positive price become items (postage, fees and adjustments are not shown to shoppers).
    /// </summary>
    public static LoadVocabulary Read(string dataRoot, int uciRows = 60_000, int taobaoRows = 200_000)
    {
        var uci = Path.Combine(dataRoot, "uci-online-retail", UciOnlineRetail.FileName);
        var taobao = Path.Combine(dataRoot, "taobao-user-behavior-slice", TaobaoUserBehavior.FileName);
        foreach (var file in new[] { uci, taobao })
        {
            if (!File.Exists(file))
            {
                throw new Cli.UsageException($"load: data file not found: {Path.GetFullPath(file)} (--data DIR or ESRS_DATA)");
            }
        }

        var items = new Dictionary<string, LoadItem>(StringComparer.Ordinal);
        foreach (var row in UciOnlineRetail.ReadRows(uci, uciRows))
        {
            var title = row.Description.Trim();
            if (title.Length > 0 && row.UnitPrice > 0 && row.Quantity > 0 && row.StockCode.Any(char.IsAsciiDigit))
            {
                items.TryAdd(row.StockCode, new LoadItem(row.StockCode, title, row.UnitPrice));
            }
        }

        var queries = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in items.Values)
        {
            var words = item.Title.ToLowerInvariant().Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Where(w => w.Length > 2 && w.All(char.IsAsciiLetter)).ToArray();
            for (var i = 0; i < words.Length; i++)
            {
                queries.Add(words[i]);
                if (i + 1 < words.Length)
                {
                    queries.Add(words[i] + " " + words[i + 1]);
                }
            }
        }

        var counts = new Dictionary<EventType, long>();
        using (var stream = File.OpenRead(taobao))
        {
            foreach (var e in TaobaoUserBehavior.ReadEvents(stream, taobaoRows))
            {
                if (e.Type != EventType.Unknown)
                {
                    counts[e.Type] = counts.GetValueOrDefault(e.Type) + 1;
                }
            }
        }

        var total = (double)counts.Values.Sum();
        var mix = counts.OrderBy(c => c.Key).Select(c => (c.Key, c.Value / total)).ToArray();
        return new LoadVocabulary(items.Values.OrderBy(i => i.ItemId, StringComparer.Ordinal).ToArray(), queries.Order(StringComparer.Ordinal).ToArray(), mix);
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Items.Count:N0} UCI products, {Queries.Count:N0} search phrases, Taobao mix {string.Join(", ", BehaviourMix.Select(m => $"{EventTypeNames.Name(m.Type)} {m.Share:P1}"))}");
}
