using System.Globalization;
using System.IO.Compression;
using System.Text;
using Esrs.Events;

namespace Esrs.Client.Import;

/// <summary>
/// The Taobao UserBehavior slice as events: pv, cart, fav and buy become view, add-to-cart,
/// favorite and purchase; the category id is the category path. Ids are the row numbers.
/// </summary>
public static class TaobaoUserBehavior
{
    public const string SourceName = "taobao-user-behavior";
    public const string FileName = "user_behavior_slice.csv.gz";

    private static readonly string[] Header = ["user_id", "item_id", "category_id", "behavior_type", "timestamp"];

    public static IEnumerable<UserEvent> ReadEvents(Stream file, int? limit = null)
    {
        using var gzip = new GZipStream(file, CompressionMode.Decompress, leaveOpen: true);
        using var text = new StreamReader(gzip, Encoding.UTF8);
        var csv = new CsvReader(text);
        if (!csv.Read() || !csv.Fields.SequenceEqual(Header))
        {
            throw new FormatException($"Taobao slice: expected header {string.Join(',', Header)}.");
        }

        var row = 0;
        while ((limit is null || row < limit) && csv.Read())
        {
            row++;
            var f = csv.Fields;
            if (f.Count != Header.Length)
            {
                throw new FormatException($"Taobao slice line {csv.LineNumber}: expected {Header.Length} fields, found {f.Count}.");
            }

            var type = EventTypeNames.Parse(f[3]);
            yield return new UserEvent
            {
                EventId = "tb-" + row.ToString(CultureInfo.InvariantCulture),
                UserId = f[0],
                Type = type,
                OccurredAt = DateTimeOffset.FromUnixTimeSeconds(long.Parse(f[4], CultureInfo.InvariantCulture)).UtcDateTime,
                Source = SourceName,
                ItemId = f[1],
                CategoryPath = f[2],
                Attributes = type == EventType.Unknown ? new Dictionary<string, string> { ["type"] = f[3] } : null,
            };
        }
    }
}
