using System.IO.Compression;
using System.Text;

namespace Esrs.Datasets;

/// <summary>The records of a gzip-compressed CSV with a known header, streamed; every record has the header's field count or the read fails with the line.</summary>
public static class GzipCsv
{
    /// <summary>
    /// Yields each record's fields (one list, reused: read what you need before asking for the next),
    /// at most <paramref name="limit"/> records after the header.
    /// </summary>
    public static IEnumerable<IReadOnlyList<string>> Records(Stream file, string[] header, string name, int? limit)
    {
        ArgumentNullException.ThrowIfNull(header);
        using var gzip = new GZipStream(file, CompressionMode.Decompress, leaveOpen: true);
        using var text = new StreamReader(gzip, Encoding.UTF8);
        var csv = new CsvReader(text);
        if (!csv.Read() || !csv.Fields.SequenceEqual(header))
        {
            throw new FormatException($"{name}: expected header {string.Join(',', header)}.");
        }

        var read = 0;
        while ((limit is null || read < limit) && csv.Read())
        {
            read++;
            if (csv.Fields.Count != header.Length)
            {
                throw new FormatException($"{name} line {csv.LineNumber}: expected {header.Length} fields, found {csv.Fields.Count}.");
            }

            yield return csv.Fields;
        }
    }
}
