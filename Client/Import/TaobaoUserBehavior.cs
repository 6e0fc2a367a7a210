using System.Globalization;
using Esrs.Datasets;
using Esrs.Events;

namespace Esrs.Client.Import;

/// <summary>
/// The Taobao UserBehavior slice as events: pv, cart, fav and buy become view, add-to-cart,
/// favorite and purchase; the category id is the category path. Ids are the row numbers. Its users, items and
/// categories are another shop's, numbered like UCI's customers and stock codes (Taobao user 15426 is not UCI customer
/// 15426): they carry the prefix <see cref="IdPrefix"/> so that the two never share a profile or an item.
/// </summary>
public static class TaobaoUserBehavior
{
    public const string SourceName = "taobao-user-behavior";
    public const string FileName = "user_behavior_slice.csv.gz";

    /// <summary>Prefix of the slice's user, item and category ids.</summary>
    public const string IdPrefix = "tb:";

    private static readonly string[] Header = ["user_id", "item_id", "category_id", "behavior_type", "timestamp"];

    public static IEnumerable<UserEvent> ReadEvents(Stream file, int? limit = null)
    {
        var row = 0;
        foreach (var f in GzipCsv.Records(file, Header, "Taobao slice", limit))
        {
            row++;
            var type = EventTypeNames.Parse(f[3]);
            yield return new UserEvent
            {
                EventId = "tb-" + row.ToString(CultureInfo.InvariantCulture),
                UserId = IdPrefix + f[0],
                Type = type,
                OccurredAt = DateTimeOffset.FromUnixTimeSeconds(long.Parse(f[4], CultureInfo.InvariantCulture)).UtcDateTime,
                Source = SourceName,
                ItemId = IdPrefix + f[1],
                CategoryPath = IdPrefix + f[2],
                Attributes = type == EventType.Unknown ? new Dictionary<string, string> { ["type"] = f[3] } : null,
            };
        }
    }
}
