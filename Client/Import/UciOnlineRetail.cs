using System.Globalization;
using Esrs.Datasets;
using Esrs.Events;

namespace Esrs.Client.Import;

/// <summary>
/// The UCI Online Retail data set as events. Every invoice line becomes one purchase event with
/// its quantity as written, negative included: turning negative purchases into cancellations,
/// quarantining lines without a customer and flagging service codes is the rules' work, not the
/// reader's. Event ids are the file's row numbers, so a re-import is all duplicates; the invoice number is the
/// event's source reference, so only a repeated line of the same invoice is a duplicate.
/// </summary>
public static class UciOnlineRetail
{
    /// <summary>Source name the events carry.</summary>
    public const string SourceName = "uci-online-retail";

    /// <summary>The file inside the data set folder.</summary>
    public const string FileName = "online_retail.csv.gz";

    private static readonly string[] Header = ["InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID", "Country"];
    private static readonly TimeZoneInfo London = FindLondon();

    /// <summary>Reads the rows of the gzip CSV in file order, streaming.</summary>
    public static IEnumerable<UciRow> ReadRows(string path, int? limit = null)
    {
        using var file = File.OpenRead(path);
        foreach (var row in ReadRows(file, limit))
        {
            yield return row;
        }
    }

    /// <summary>Reads the rows from an open gzip CSV stream (the caller can watch its position for progress).</summary>
    public static IEnumerable<UciRow> ReadRows(Stream file, int? limit = null)
    {
        var row = 0;
        foreach (var f in GzipCsv.Records(file, Header, "UCI Online Retail", limit))
        {
            row++;
            yield return new UciRow(
                row,
                f[0],
                f[1],
                f[2],
                int.Parse(f[3], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture),
                DateTime.ParseExact(f[4], "yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture),
                decimal.Parse(f[5], NumberStyles.Number, CultureInfo.InvariantCulture),
                f[6],
                f[7]);
        }
    }

    /// <summary>The event of one row: a purchase of the customer (blank when missing), at the invoice time in UTC.</summary>
    public static UserEvent ToEvent(UciRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        return new UserEvent
        {
            EventId = "uci-" + row.RowNumber.ToString(CultureInfo.InvariantCulture),
            UserId = row.CustomerId,
            Type = EventType.Purchase,
            OccurredAt = ToUtc(row.InvoiceDate),
            Source = SourceName,
            ItemId = row.StockCode,
            ItemTitle = row.Description.Length == 0 ? null : row.Description,
            Quantity = row.Quantity,
            UnitPrice = row.UnitPrice,
            Currency = "GBP",
            // The invoice is the source's identity of the purchase: equal lines of different invoices are different purchases.
            SourceRef = row.InvoiceNo,
            Attributes = new Dictionary<string, string>(1) { ["country"] = row.Country },
        };
    }

    private static DateTime ToUtc(DateTime local)
    {
        var unspecified = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);

        // A clock time skipped by the spring change did not happen; read it as the hour after.
        if (London.IsInvalidTime(unspecified))
        {
            unspecified = unspecified.AddHours(1);
        }

        return TimeZoneInfo.ConvertTimeToUtc(unspecified, London);
    }

    private static TimeZoneInfo FindLondon()
    {
        // Invoice times are UK local time; without time zone data, UTC is the closest honest reading.
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById("Europe/London");
        }
        catch (TimeZoneNotFoundException)
        {
            return TimeZoneInfo.Utc;
        }
    }
}
