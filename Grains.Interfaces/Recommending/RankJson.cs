using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace Esrs.Recommending;

/// <summary>Why a rank request body was refused: the rule it broke, a title and what the caller can do about it.</summary>
public sealed record RankRefusal(string Rule, string Title, string Detail);

/// <summary>
/// UTF-8 JSON handed through a grain call as it is: immutable, so Orleans neither copies it on the way in nor on the way
/// out, and one buffer on the wire instead of the objects it describes.
/// </summary>
[GenerateSerializer, Immutable, Alias("esrs.utf8-json")]
public readonly record struct Utf8Json([property: Id(0)] ReadOnlyMemory<byte> Bytes);

/// <summary>A rank request as read: the candidates (when materialised), how many there were, and the blend.</summary>
public readonly record struct RankRequest(RankCandidate[]? Candidates, int Count, double Blend);

/// <summary>
/// The rank call's JSON, read and written without the reflection serializer or intermediate objects. The gateway checks a
/// body with <see cref="Read"/> (<c>materialize: false</c>: no candidate is built, no string copied) and
/// hands the bytes on to the user grain, which reads them again into <see cref="RankCandidate"/>s and answers with
/// <see cref="Write"/>'s bytes: the candidates and the ranked items never cross the Orleans hop as hundreds of tracked
/// objects and strings. The contract is the gateway's: camelCase names matched case-insensitively, unknown fields refused,
/// numbers as numbers or numeric strings, nulls for absent values.
/// </summary>
public static partial class RankJson
{
    public const string BodyEmpty = "http.body.empty";
    public const string BodyMalformed = "http.body.malformed";
    public const string CandidatesMissing = "rank.candidates.missing";
    public const string CandidatesTooMany = "rank.candidates.too-many";
    public const string CandidateInvalid = "rank.candidate.invalid";
    public const string ItemIdDuplicate = "rank.item-id.duplicate";
    public const string BlendInvalid = "rank.blend.invalid";

    /// <summary>Most candidates one request may hold.</summary>
    public const int MaxCandidates = 500;

    /// <summary>
    /// Longest item id, attribute label or value, in characters (refused past it); a title, category path or brand is cut
    /// there instead.
    /// </summary>
    public const int MaxTextLength = 512;

    /// <summary>Most attributes per candidate.</summary>
    public const int MaxAttributes = 64;

    private const string Shape = "send {\"candidates\": [{\"itemId\": \"...\", \"title\": \"...\", \"score\": 0.5}], \"blend\": 0.5} with strings, numbers and no other fields.";

    /// <summary>
    /// Reads and checks a rank request. With <paramref name="materialize"/> the candidates are built (the grain's side);
    /// without, only item ids are (for the duplicate check). A refusal names the first rule broken, malformed JSON first.
    /// </summary>
    public static RankRequest Read(ReadOnlySpan<byte> body, bool materialize, out RankRefusal? refusal)
    {
        if (body.Trim(" \t\r\n"u8).IsEmpty)
        {
            refusal = new RankRefusal(BodyEmpty, "Empty body", "The request has no body; send {\"candidates\": [{\"itemId\": \"...\"}, ...], \"blend\": 0.5}.");
            return default;
        }

        var parser = new Parser(materialize);
        try
        {
            parser.Parse(body);
        }
        catch (JsonException ex)
        {
            var line = ex.LineNumber is { } l ? $" (line {l + 1}, byte {ex.BytePositionInLine + 1})" : "";
            refusal = new RankRefusal(BodyMalformed, "Malformed request body", $"The body is not a rank request{line}: {Shape}");
            return default;
        }
        catch (FormatException ex)
        {
            refusal = new RankRefusal(BodyMalformed, "Malformed request body", $"The body is not a rank request at {ex.Message}: {Shape}");
            return default;
        }
        catch (InvalidOperationException)
        {
            // GetString refuses what the tokenizer lets through: invalid UTF-8, an unpaired surrogate escape (\ud800).
            refusal = new RankRefusal(BodyMalformed, "Malformed request body", $"The body is not a rank request: a string is not valid UTF-8 text; {Shape}");
            return default;
        }

        refusal = parser.Count switch
        {
            0 => new RankRefusal(CandidatesMissing, "No candidates", "Send {\"candidates\": [{\"itemId\": \"...\"}, ...], \"blend\": 0.5} with at least one candidate."),
            > MaxCandidates => new RankRefusal(CandidatesTooMany, "Too many candidates", $"The request holds {parser.Count} candidates; at most {MaxCandidates} are ranked per request."),
            _ when !double.IsFinite(parser.Blend) || parser.Blend is < 0 or > 1 =>
                new RankRefusal(BlendInvalid, "Invalid blend", $"blend is the share of the engine's own score, a number from 0 to 1, not {parser.Blend.ToString(CultureInfo.InvariantCulture)}."),
            _ => parser.Refusal,
        };
        return refusal is null ? new RankRequest(materialize ? [.. parser.Candidates!] : null, parser.Count, parser.Blend) : default;
    }

    private sealed class Parser(bool materialize)
    {
        private readonly HashSet<string> _itemIds = new(128, StringComparer.Ordinal);
        private bool _candidatesRead;

        public List<RankCandidate>? Candidates { get; } = materialize ? [] : null;

        public int Count { get; private set; }

        public double Blend { get; private set; } = 0.5;

        /// <summary>The first candidate that broke a rule (kept while the rest of the body is still read for syntax).</summary>
        public RankRefusal? Refusal { get; private set; }

        public void Parse(ReadOnlySpan<byte> body)
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
            Next(ref reader);
            Expect(ref reader, JsonTokenType.StartObject, "$");
            while (Next(ref reader) == JsonTokenType.PropertyName)
            {
                if (Is(ref reader, "candidates"u8))
                {
                    if (_candidatesRead)
                    {
                        throw new FormatException("$.candidates (given twice)");
                    }

                    _candidatesRead = true;
                    ReadCandidates(ref reader);
                }
                else if (Is(ref reader, "blend"u8))
                {
                    Next(ref reader);
                    Blend = reader.TokenType == JsonTokenType.Null ? 0.5 : ReadDouble(ref reader, -1, "blend");
                }
                else
                {
                    throw new FormatException($"$.{reader.GetString()} (no such field)");
                }
            }

            Expect(ref reader, JsonTokenType.EndObject, "$");
            if (reader.Read())
            {
                throw new FormatException("the end (more after the request)");
            }
        }

        private void ReadCandidates(ref Utf8JsonReader reader)
        {
            if (Next(ref reader) == JsonTokenType.Null)
            {
                return;
            }

            Expect(ref reader, JsonTokenType.StartArray, "$.candidates");
            while (Next(ref reader) != JsonTokenType.EndArray)
            {
                var index = Count++;
                if (reader.TokenType == JsonTokenType.Null)
                {
                    Refuse($"candidates[{index}] is null; each candidate is an object with an itemId.");
                    continue;
                }

                Expect(ref reader, JsonTokenType.StartObject, index, null);
                ReadCandidate(ref reader, index);
            }
        }

        private void ReadCandidate(ref Utf8JsonReader reader, int index)
        {
            // A field given twice counts as its last value, as the serializer the gateway used before had it.
            string? itemId = null, title = null, categoryPath = null, brand = null;
            decimal? price = null;
            double? score = null;
            Dictionary<string, string>? attributes = null;
            string? attributesProblem = null;
            while (Next(ref reader) == JsonTokenType.PropertyName)
            {
                if (Is(ref reader, "itemId"u8))
                {
                    Next(ref reader);
                    itemId = ReadString(ref reader, index, "itemId", copy: true);
                }
                else if (Is(ref reader, "title"u8))
                {
                    Next(ref reader);
                    title = ReadString(ref reader, index, "title", copy: Candidates is not null);
                }
                else if (Is(ref reader, "categoryPath"u8))
                {
                    Next(ref reader);
                    categoryPath = ReadString(ref reader, index, "categoryPath", copy: Candidates is not null);
                }
                else if (Is(ref reader, "brand"u8))
                {
                    Next(ref reader);
                    brand = ReadString(ref reader, index, "brand", copy: Candidates is not null);
                }
                else if (Is(ref reader, "price"u8))
                {
                    Next(ref reader);
                    price = reader.TokenType == JsonTokenType.Null ? null : ReadDecimal(ref reader, index, "price");
                }
                else if (Is(ref reader, "score"u8))
                {
                    Next(ref reader);
                    score = reader.TokenType == JsonTokenType.Null ? null : ReadDouble(ref reader, index, "score");
                }
                else if (Is(ref reader, "attributes"u8))
                {
                    attributes = ReadAttributes(ref reader, index, out attributesProblem);
                }
                else
                {
                    throw new FormatException($"$.candidates[{index}].{reader.GetString()} (no such field)");
                }
            }

            // The rules in the order the gateway always checked them.
            var problem = string.IsNullOrWhiteSpace(itemId) ? $"candidates[{index}] has no itemId."
                : TooLong(index, "itemId", itemId.Length)
                ?? (score is { } s && !double.IsFinite(s) ? $"candidates[{index}].score must be a finite number." : null)
                ?? (price < 0 ? $"candidates[{index}].price must not be negative." : null)
                ?? attributesProblem;
            if (problem is not null)
            {
                Refuse(problem);
                return;
            }

            if (!_itemIds.Add(itemId!))
            {
                Refusal ??= new RankRefusal(ItemIdDuplicate, "Duplicate candidate", $"candidates[{index}]: item '{itemId}' is listed twice; send each candidate once.");
                return;
            }

            if (Candidates is not null && Count <= MaxCandidates)
            {
                Candidates.Add(new RankCandidate
                {
                    ItemId = itemId!,
                    // Longer text is cut, as an event's is (TextRule): a scraped title is ordinary, not a reason to refuse the
                    // other candidates. An item id is never cut (it would name another item).
                    Title = Cut(title),
                    CategoryPath = Cut(categoryPath),
                    Brand = Cut(brand),
                    Price = price,
                    Attributes = attributes,
                    Score = score,
                });
            }
        }

        /// <summary>The first <see cref="MaxTextLength"/> characters of <paramref name="text"/>, never half a surrogate pair.</summary>
        private static string? Cut(string? text) =>
            text is null || text.Length <= MaxTextLength ? text : text[..(char.IsHighSurrogate(text[MaxTextLength - 1]) ? MaxTextLength - 1 : MaxTextLength)];

        private static string? TooLong(int index, string field, int length) =>
            length > MaxTextLength ? $"candidates[{index}].{field} has {length} characters; at most {MaxTextLength}." : null;

        private Dictionary<string, string>? ReadAttributes(ref Utf8JsonReader reader, int index, out string? problem)
        {
            problem = null;
            var count = 0;
            if (Next(ref reader) == JsonTokenType.Null)
            {
                return null;
            }

            Expect(ref reader, JsonTokenType.StartObject, index, "attributes");
            var attributes = Candidates is null ? null : new Dictionary<string, string>(StringComparer.Ordinal);
            while (Next(ref reader) == JsonTokenType.PropertyName)
            {
                var label = reader.GetString()!;
                Next(ref reader);
                if (reader.TokenType is not (JsonTokenType.String or JsonTokenType.Null))
                {
                    throw new FormatException($"$.candidates[{index}].attributes.{label} (a string)");
                }

                var value = reader.TokenType == JsonTokenType.Null ? null : reader.GetString();
                if (++count > MaxAttributes)
                {
                    problem ??= $"candidates[{index}] has more than {MaxAttributes} attributes.";
                }
                else if (label.Length is 0 or > MaxTextLength || value is null || value.Length > MaxTextLength)
                {
                    problem ??= $"candidates[{index}].attributes['{(label.Length > 40 ? label[..40] + "…" : label)}']: labels and values are strings of 1 to {MaxTextLength} characters.";
                }
                else if (attributes is not null)
                {
                    attributes[label] = value;
                }
            }

            return attributes;
        }

        /// <summary>A string field: copied when <paramref name="copy"/>, else only checked to be UTF-8 text.</summary>
        private static string? ReadString(ref Utf8JsonReader reader, int index, string field, bool copy)
        {
            if (reader.TokenType == JsonTokenType.Null)
            {
                return null;
            }

            if (reader.TokenType != JsonTokenType.String)
            {
                throw new FormatException($"$.candidates[{index}].{field} (a string)");
            }

            if (copy || reader.ValueIsEscaped)
            {
                var value = reader.GetString()!;
                return copy ? value : null;
            }

            return Utf8.IsValid(reader.ValueSpan) ? null : throw new FormatException($"$.candidates[{index}].{field} (not valid UTF-8 text)");
        }

        private void Refuse(string detail) => Refusal ??= new RankRefusal(CandidateInvalid, "Invalid candidate", detail);

        private static JsonTokenType Next(ref Utf8JsonReader reader) =>
            reader.Read() ? reader.TokenType : throw new FormatException("the end (the body stops early)");

        private static void Expect(ref Utf8JsonReader reader, JsonTokenType type, int index, string? field)
        {
            if (reader.TokenType != type)
            {
                Expect(ref reader, type, field is null ? $"$.candidates[{index}]" : $"$.candidates[{index}].{field}");
            }
        }

        private static void Expect(ref Utf8JsonReader reader, JsonTokenType type, string path)
        {
            if (reader.TokenType != type)
            {
                throw new FormatException($"{path} (expected {(type switch { JsonTokenType.StartObject => "an object", JsonTokenType.StartArray => "an array", _ => "the end of the object" })})");
            }
        }

        /// <summary>Property names match case-insensitively, as the gateway's other bodies do.</summary>
        private static bool Is(ref Utf8JsonReader reader, ReadOnlySpan<byte> name) =>
            reader.ValueIsEscaped ? string.Equals(reader.GetString(), Encoding.UTF8.GetString(name), StringComparison.OrdinalIgnoreCase) : Ascii.EqualsIgnoreCase(reader.ValueSpan, name);

        /// <summary>A number, or a string holding one; the path (a candidate's field, or the request's when <paramref name="index"/> is -1) is only built for the refusal.</summary>
        private static double ReadDouble(ref Utf8JsonReader reader, int index, string field) => reader.TokenType switch
        {
            JsonTokenType.Number when reader.TryGetDouble(out var number) => number,
            JsonTokenType.String when double.TryParse(reader.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number) => number,
            _ => throw NotANumber(index, field),
        };

        private static decimal ReadDecimal(ref Utf8JsonReader reader, int index, string field) => reader.TokenType switch
        {
            JsonTokenType.Number when reader.TryGetDecimal(out var number) => number,
            JsonTokenType.String when decimal.TryParse(reader.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var number) => number,
            _ => throw NotANumber(index, field),
        };

        private static FormatException NotANumber(int index, string field) =>
            new(index < 0 ? $"$.{field} (a number)" : $"$.candidates[{index}].{field} (a number)");
    }
}
