using System.Text.Json;
using System.Text.Json.Serialization;

namespace Esrs.Tagging.Data;

/// <summary>One OA-Mine title with its attribute spans (<c>oamine.spans.jsonl</c>).</summary>
public sealed record OaMineTitle(string Id, string Split, string Category, string Title, IReadOnlyList<LabeledSpan> Spans);

/// <summary>Reader of the OA-Mine product-title data set in <c>../shared/data/oamine-product-title-attributes</c>.</summary>
public static class OaMine
{
    public const string FileName = "oamine.spans.jsonl";

    public static IEnumerable<OaMineTitle> Read(string path)
    {
        foreach (var line in File.ReadLines(path))
        {
            if (line.Length == 0)
            {
                continue;
            }

            var record = JsonSerializer.Deserialize<Record>(line) ?? throw new FormatException($"{path}: a null record.");
            yield return new OaMineTitle(record.Id, record.Split, record.Category, record.Title,
                [.. record.Spans.Select(s => new LabeledSpan(s.Start, s.End, LabelMap.Normalize(s.Label)))]);
        }
    }

    private sealed record Record(
        [property: JsonPropertyName("id")] string Id,
        [property: JsonPropertyName("split")] string Split,
        [property: JsonPropertyName("category")] string Category,
        [property: JsonPropertyName("title")] string Title,
        [property: JsonPropertyName("spans")] List<SpanRecord> Spans);

    private sealed record SpanRecord(
        [property: JsonPropertyName("start")] int Start,
        [property: JsonPropertyName("end")] int End,
        [property: JsonPropertyName("label")] string Label);
}
