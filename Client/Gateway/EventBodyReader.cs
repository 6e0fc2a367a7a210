using System.Buffers;
using System.Text.Json;
using Esrs.Events;
using MessagePack;

namespace Esrs.Client.Gateway;

/// <summary>
/// Reads the body of <c>POST /v1/events</c>: JSON (one event or an array) or MessagePack (the
/// <see cref="UserEvent"/> wire contract, one event or an array), within the size limits. Every
/// refusal says which rule failed and where.
/// </summary>
public static class EventBodyReader
{
    public const string MessagePackMediaType = "application/x-msgpack";

    public static async Task<(IReadOnlyList<UserEvent>? Events, IResult? Problem)> ReadAsync(HttpRequest request, GatewayOptions options, string caller, CancellationToken cancellationToken)
    {
        var mediaType = request.ContentType?.Split(';')[0].Trim().ToLowerInvariant();
        var isJson = mediaType is "application/json" || (mediaType?.EndsWith("+json", StringComparison.Ordinal) ?? false);
        var isMessagePack = mediaType is MessagePackMediaType or "application/msgpack" or "application/vnd.msgpack";
        if (!isJson && !isMessagePack)
        {
            return (null, GatewayProblems.Problem(StatusCodes.Status415UnsupportedMediaType, GatewayProblems.ContentType, "Unsupported content type",
                $"Send application/json or {MessagePackMediaType}, not '{request.ContentType}'."));
        }

        if (request.ContentLength > options.MaxBodyBytes)
        {
            return (null, TooLarge(options));
        }

        var buffer = new ArrayBufferWriter<byte>((int)Math.Min(request.ContentLength ?? 16_384, options.MaxBodyBytes));
        while (true)
        {
            var memory = buffer.GetMemory(8192);
            var read = await request.Body.ReadAsync(memory, cancellationToken);
            if (read == 0)
            {
                break;
            }

            buffer.Advance(read);
            if (buffer.WrittenCount > options.MaxBodyBytes)
            {
                return (null, TooLarge(options));
            }
        }

        var (events, problem) = isJson ? ParseJson(buffer.WrittenMemory, caller) : ParseMessagePack(buffer.WrittenMemory);
        if (problem is not null)
        {
            return (null, problem);
        }

        if (events!.Count == 0)
        {
            return (null, GatewayProblems.Problem(StatusCodes.Status400BadRequest, GatewayProblems.BatchEmpty, "Empty batch", "The request holds no event."));
        }

        if (events.Count > options.MaxBatchSize)
        {
            return (null, GatewayProblems.Problem(StatusCodes.Status413PayloadTooLarge, GatewayProblems.BatchTooLarge, "Batch too large",
                $"The request holds {events.Count} events; at most {options.MaxBatchSize} are accepted per request (Esrs:Gateway:MaxBatchSize)."));
        }

        return (events, null);
    }

    private static (IReadOnlyList<UserEvent>?, IResult?) ParseJson(ReadOnlyMemory<byte> body, string caller)
    {
        try
        {
            var span = body.Span.TrimStart(" \t\r\n"u8);
            var items = span.Length > 0 && span[0] == (byte)'['
                ? JsonSerializer.Deserialize<EventJson?[]>(span, GatewayJson.Options)
                : JsonSerializer.Deserialize<EventJson>(span, GatewayJson.Options) is { } single ? [single] : null;
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

                events[i] = item.ToEvent(caller);
            }

            return (events, null);
        }
        catch (JsonException ex)
        {
            return (null, Malformed($"{ex.Message.Split(" Path:")[0].TrimEnd('.')} (at {ex.Path ?? "$"}, line {ex.LineNumber + 1}, byte {ex.BytePositionInLine})."));
        }
    }

    private static (IReadOnlyList<UserEvent>?, IResult?) ParseMessagePack(ReadOnlyMemory<byte> body)
    {
        try
        {
            var reader = new MessagePackReader(body);
            var isBatch = reader.NextMessagePackType == MessagePackType.Array && IsArrayOfArrays(reader);
            IReadOnlyList<UserEvent?>? items = isBatch ? UserEventWire.DeserializeBatch(body) : [UserEventWire.Deserialize(body)];
            if (items is null || items.Any(e => e is null))
            {
                return (null, Malformed("The MessagePack body holds a nil event."));
            }

            return ([.. items!], null);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return (null, Malformed($"MessagePack body does not match the event contract: {ex.GetBaseException().Message}"));
        }
    }

    private static bool IsArrayOfArrays(MessagePackReader reader)
    {
        var count = reader.ReadArrayHeader();
        return count > 0 && reader.NextMessagePackType == MessagePackType.Array;
    }

    private static IResult Malformed(string detail) =>
        GatewayProblems.Problem(StatusCodes.Status400BadRequest, GatewayProblems.BodyMalformed, "Malformed request body", detail);

    private static IResult TooLarge(GatewayOptions options) =>
        GatewayProblems.Problem(StatusCodes.Status413PayloadTooLarge, GatewayProblems.BodyTooLarge, "Body too large",
            $"Bodies of at most {options.MaxBodyBytes} bytes are accepted (Esrs:Gateway:MaxBodyBytes).");
}
