using System.Buffers;
using System.Text.Json;
using Esrs.Events;
using MessagePack;

namespace Esrs.Client.Gateway;

/// <summary>
/// Reads the body of <c>POST /v1/events</c>: JSON (one event or an array) or MessagePack (the <see cref="UserEvent"/>
/// wire contract, one event or an array). Limits are enforced while reading, before any event is built: the body size
/// as bytes arrive, the batch size from the array's own length (a scan of the JSON tokens, or the MessagePack array
/// header). Every refusal says which rule failed and where; every event gets the defaults of <see cref="UserEventWire.Normalise"/>.
/// </summary>
public static partial class EventBodyReader
{
    public const string MessagePackMediaType = "application/x-msgpack";

    public static async Task<(IReadOnlyList<UserEvent>? Events, IResult? Problem)> ReadAsync(HttpRequest request, GatewayOptions options, string caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(options);
        var mediaType = request.ContentType?.Split(';')[0].Trim().ToLowerInvariant();
        var isJson = mediaType is "application/json" || (mediaType?.EndsWith("+json", StringComparison.Ordinal) ?? false);
        var isMessagePack = mediaType is MessagePackMediaType or "application/msgpack" or "application/vnd.msgpack";
        if (!isJson && !isMessagePack)
        {
            return (null, GatewayProblems.Problem(StatusCodes.Status415UnsupportedMediaType, GatewayProblems.ContentType, "Unsupported content type",
                $"Send application/json or {MessagePackMediaType}, not '{request.ContentType}'."));
        }

        var (body, tooLarge) = await ReadLimitedAsync(request, options, cancellationToken);
        if (tooLarge is not null)
        {
            return (null, tooLarge);
        }

        if (body.IsEmpty || (isJson && body.Span.Trim(" \t\r\n"u8).IsEmpty))
        {
            return (null, GatewayProblems.Problem(StatusCodes.Status400BadRequest, GatewayProblems.BodyEmpty, "Empty body",
                request.HttpContext.Items[ContentEncodings.ItemKey] is string coding
                    ? $"The {coding} body inflates to nothing (cut short, or empty); send an event or an array of events."
                    : "The request has no body; send an event or an array of events."));
        }

        var (events, problem) = isJson ? ParseJson(body, caller, options) : ParseMessagePack(body, caller, options);
        if (problem is not null)
        {
            return (null, problem);
        }

        if (events!.Count == 0)
        {
            return (null, GatewayProblems.Problem(StatusCodes.Status400BadRequest, GatewayProblems.BatchEmpty, "Empty batch", "The request holds no event."));
        }

        return (events, null);
    }

    /// <summary>
    /// The whole body, refused with 413 as soon as it passes <see cref="GatewayOptions.MaxBodyBytes"/> (declared or sent), and
    /// with Kestrel's own status when it stops reading it (too slow, cut short); the second value is that refusal.
    /// </summary>
    internal static async Task<(ReadOnlyMemory<byte> Body, IResult? TooLarge)> ReadLimitedAsync(HttpRequest request, GatewayOptions options, CancellationToken cancellationToken)
    {
        if (request.ContentLength > options.MaxBodyBytes)
        {
            return (default, TooLarge(options));
        }

        // A declared length is read into an array of exactly that size (Kestrel holds the body to it): no growth, no copy.
        var exact = request.ContentLength is { } declared ? new byte[declared] : null;
        var buffer = exact is null ? new ArrayBufferWriter<byte>(16_384) : null;
        var filled = 0;
        while (true)
        {
            var memory = exact is not null ? exact.AsMemory(filled) : buffer!.GetMemory(8192);
            int read;
            try
            {
                read = memory.IsEmpty ? 0 : await request.Body.ReadAsync(memory, cancellationToken);
            }
            catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
            {
                return (default, TooLarge(options));
            }
            catch (BadHttpRequestException ex)
            {
                // Kestrel gave up on the body (sent too slowly, cut short): the client's fault, said with its status and a rule.
                return (default, GatewayProblems.Problem(ex.StatusCode, GatewayProblems.RuleFor(ex.StatusCode), "Bad request body", ex.Message));
            }
            catch (Exception ex) when (ContentEncodings.InflationFailed(request, ex) is { } refusal)
            {
                return (default, refusal);
            }

            if (read == 0)
            {
                return (exact is not null ? exact.AsMemory(0, filled) : buffer!.WrittenMemory, null);
            }

            filled += read;
            buffer?.Advance(read);
            if (filled > options.MaxBodyBytes)
            {
                return (default, TooLarge(options));
            }
        }
    }

    private static (IReadOnlyList<UserEvent>?, IResult?) ParseJson(ReadOnlyMemory<byte> body, string caller, GatewayOptions options)
    {
        try
        {
            var span = body.Span.TrimStart(" \t\r\n"u8);
            var isBatch = span.Length > 0 && span[0] == (byte)'[';
            if (isBatch && CountJsonArray(span, options.MaxBatchSize + 1) is var count && count > options.MaxBatchSize)
            {
                return (null, BatchTooLarge(options, $"more than {options.MaxBatchSize}"));
            }

            EventJson?[]? items;
            try
            {
                items = isBatch
                    ? JsonSerializer.Deserialize<EventJson?[]>(span, GatewayJson.Options)
                    : JsonSerializer.Deserialize<EventJson>(span, GatewayJson.Options) is { } single ? [single] : null;
            }
            catch (Exception ex) when (isBatch && IsUnreadable(ex) && ReadEach(body, caller) is { } each)
            {
                // Well-formed JSON in which some event cannot be read: those are quarantined, the others go on.
                return each;
            }

            if (items is null)
            {
                return (null, Malformed("The body is JSON null; send an event object or an array of them."));
            }

            var events = new UserEvent[items.Length];
            for (var i = 0; i < items.Length; i++)
            {
                if (items[i] is not { } item)
                {
                    return (null, Malformed($"Event {i} is null."));
                }

                events[i] = UserEventWire.Normalise(item.ToEvent(caller), caller);
            }

            return (events, null);
        }
        catch (JsonException ex)
        {
            return (null, Malformed($"{Explain(ex)} (at {ex.Path ?? "$"}, line {ex.LineNumber + 1}, byte {ex.BytePositionInLine})."));
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or OverflowException or InvalidOperationException or NotSupportedException)
        {
            // Values System.Text.Json reads but .NET cannot hold (an offset that moves an instant out of range...).
            return (null, Malformed($"A value is out of range: {ex.Message}"));
        }
    }

    /// <summary>
    /// A batch read event by event, when reading it whole failed: an event that cannot be read (a value of the wrong kind,
    /// an unknown field) becomes one the rules quarantine as <see cref="RuleIds.EventUnreadable"/>, with what was wrong,
    /// where, and the JSON it arrived as; its id, user and source are kept when they are strings, so it is quarantined with
    /// its user and a corrected re-send meets it. Null when the body is not well-formed JSON at all (refused whole).
    /// </summary>
    private static (IReadOnlyList<UserEvent>?, IResult?)? ReadEach(ReadOnlyMemory<byte> body, string caller)
    {
        JsonDocument document;
        try
        {
            // Deeper than events are read: an event nested past their limit is then quarantined on its own, not the batch refused.
            document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 1024 });
        }
        catch (JsonException)
        {
            return null;
        }

        using (document)
        {
            var events = new UserEvent[document.RootElement.GetArrayLength()];
            var index = 0;
            foreach (var element in document.RootElement.EnumerateArray())
            {
                if (element.ValueKind == JsonValueKind.Null)
                {
                    return (null, Malformed($"Event {index} is null."));
                }

                UserEvent read;
                try
                {
                    read = element.Deserialize<EventJson>(GatewayJson.Options)!.ToEvent(caller);
                }
                catch (Exception ex) when (IsUnreadable(ex))
                {
                    read = Unreadable(element, index, ex, caller);
                }

                events[index++] = UserEventWire.Normalise(read, caller);
            }

            return (events, null);
        }
    }

    private static UserEvent Unreadable(JsonElement element, int index, Exception ex, string caller)
    {
        string? Text(string name)
        {
            try
            {
                return element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
            }
            catch (InvalidOperationException)
            {
                return null; // half a surrogate pair
            }
        }

        var where = ex is JsonException { Path: { Length: > 1 } path } ? $"$[{index}]{path[1..]}" : $"$[{index}]";
        var what = ex is JsonException json ? Explain(json) : $"a value is out of range: {ex.Message}";
        var raw = element.GetRawText();
        var keep = raw.Length <= UserEventWire.MaxRawLength ? raw.Length : char.IsHighSurrogate(raw[UserEventWire.MaxRawLength - 1]) ? UserEventWire.MaxRawLength - 1 : UserEventWire.MaxRawLength;
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [UserEventWire.UnreadableAttribute] = $"{what} (at {where})",
            [UserEventWire.RawAttribute] = raw[..keep],
            [UserEventWire.RawHashAttribute] = System.IO.Hashing.XxHash64.HashToUInt64(System.Runtime.InteropServices.MemoryMarshal.AsBytes(raw.AsSpan())).ToString("x16", System.Globalization.CultureInfo.InvariantCulture),
        };
        if (keep < raw.Length)
        {
            attributes[UserEventWire.RawLengthAttribute] = raw.Length.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return new UserEvent
        {
            EventId = Text("eventId") ?? "",
            UserId = Text("userId") ?? "",
            Type = EventType.Unknown,
            OccurredAt = default,
            Source = Text("source") ?? caller,
            Attributes = attributes,
        };
    }

    /// <summary>
    /// What reading an event can throw for a value of the wrong kind or one .NET cannot hold (an offset that moves an
    /// instant out of range...), as opposed to a fault of ours.
    /// </summary>
    private static bool IsUnreadable(Exception ex) => ex is JsonException or ArgumentException or FormatException or OverflowException or InvalidOperationException;

    /// <summary>What was wrong, without System.Text.Json's own path and position suffix (the callers say where).</summary>
    private static string Explain(JsonException ex) => Describe(ex.Message.Split(" Path:")[0].TrimEnd('.'));

    /// <summary>System.Text.Json's "could not be converted to System.Nullable`1[System.Decimal]" in the producer's terms.</summary>
    private static string Describe(string message)
    {
        const string Unconvertible = "The JSON value could not be converted to ";
        if (UnknownField().Match(message) is { Success: true } unknown)
        {
            return $"'{unknown.Groups["name"].Value}' is not a field of an event";
        }

        if (!message.StartsWith(Unconvertible, StringComparison.Ordinal))
        {
            // The reader's advice to its programmer ("Change the reader options.") is not for a producer.
            return message.Replace(" Change the reader options", "", StringComparison.Ordinal).TrimEnd('.');
        }

        var type = message[Unconvertible.Length..];
        var expected = type.Replace("System.Nullable`1[", "", StringComparison.Ordinal).TrimEnd(']') switch
        {
            "System.Decimal" => "a number (a decimal point, no thousands separator: 1234.50)",
            "System.Double" => "a number",
            "System.Int32" => "a whole number",
            "System.String" => "a string",
            var t when t.Contains("Dictionary", StringComparison.Ordinal) => "an object whose values are strings",
            var t when t.EndsWith(nameof(EventJson), StringComparison.Ordinal) => "an event object",
            _ => "a value of another kind",
        };
        return "expected " + expected;
    }

    [System.Text.RegularExpressions.GeneratedRegex("^The JSON property '(?<name>.*)' could not be mapped to any .NET member", System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex UnknownField();

    /// <summary>
    /// Counts the elements of the JSON array <paramref name="json"/> starts with, stopping at <paramref name="stopAt"/>; a
    /// token scan that builds nothing. Malformed JSON stops the count: the deserializer reports it with its position.
    /// </summary>
    private static int CountJsonArray(ReadOnlySpan<byte> json, int stopAt)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = GatewayJson.Options.MaxDepth == 0 ? 64 : GatewayJson.Options.MaxDepth });
        var count = 0;
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray)
            {
                return 0;
            }

            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                if (++count >= stopAt)
                {
                    return count;
                }

                reader.Skip();
            }
        }
        catch (JsonException)
        {
        }

        return count;
    }

    private static (IReadOnlyList<UserEvent>?, IResult?) ParseMessagePack(ReadOnlyMemory<byte> body, string caller, GatewayOptions options)
    {
        try
        {
            var reader = new MessagePackReader(body);
            var isBatch = false;
            if (reader.NextMessagePackType == MessagePackType.Array)
            {
                var peek = reader.CreatePeekReader();
                var length = peek.ReadArrayHeader();
                // The event contract is itself an array; a batch is an array whose first element is one (or nil).
                if (length == 0)
                {
                    // An empty array is an empty batch (as JSON's []), not an event with no fields.
                    return (null, GatewayProblems.Problem(StatusCodes.Status400BadRequest, GatewayProblems.BatchEmpty, "Empty batch", "The request holds no event."));
                }

                isBatch = peek.NextMessagePackType is MessagePackType.Array or MessagePackType.Nil;
                if (isBatch && length > options.MaxBatchSize)
                {
                    return (null, BatchTooLarge(options, length.ToString(System.Globalization.CultureInfo.InvariantCulture)));
                }
            }

            IReadOnlyList<UserEvent?> items = isBatch ? UserEventWire.DeserializeBatch(body) : [UserEventWire.Deserialize(body)];
            var events = new UserEvent[items.Count];
            for (var i = 0; i < events.Length; i++)
            {
                events[i] = items[i] is { } e ? UserEventWire.Normalise(e, caller) : throw new MessagePackSerializationException($"event {i} is nil");
            }

            return (events, null);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return (null, Malformed($"MessagePack body does not match the event contract: {ex.GetBaseException().Message}"));
        }
    }

    private static IResult Malformed(string detail) =>
        GatewayProblems.Problem(StatusCodes.Status400BadRequest, GatewayProblems.BodyMalformed, "Malformed request body", detail);

    private static IResult BatchTooLarge(GatewayOptions options, string count) =>
        GatewayProblems.Problem(StatusCodes.Status413PayloadTooLarge, GatewayProblems.BatchTooLarge, "Batch too large",
            $"The request holds {count} events; at most {options.MaxBatchSize} are accepted per request (Esrs:Gateway:MaxBatchSize).");

    private static IResult TooLarge(GatewayOptions options) =>
        GatewayProblems.Problem(StatusCodes.Status413PayloadTooLarge, GatewayProblems.BodyTooLarge, "Body too large",
            $"Bodies of at most {options.MaxBodyBytes} bytes are accepted (Esrs:Gateway:MaxBodyBytes).");
}
