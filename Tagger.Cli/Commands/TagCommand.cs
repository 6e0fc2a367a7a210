using Esrs.Cli;
using System.CommandLine;
using System.Text.Json;
using Esrs.Tagging.Inference;

namespace Esrs.Tagging.Commands;

/// <summary><c>tag</c>: one text per stdin line, one JSON object per stdout line, in order; a line that cannot be tagged says why and costs no other line.</summary>
internal static class TagCommand
{
    // Lines for terminals and pipes, not HTML: keep apostrophes and non-ASCII readable.
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static Command Create()
    {
        var model = CommonOptions.Model();
        var device = CommonOptions.Device();
        var batch = CommonOptions.Positive("--batch", "Lines per model batch", 32);
        var productType = new Option<string?>("--product-type") { Description = "The product type of every line (one the checkpoint was trained on, e.g. Tea): spans limited to that type's attributes, and the type shown to a model trained with --typed-share" };
        var command = new Command("tag", "Tag text: one text per stdin line -> one JSON object per stdout line ({text, spans: [{start, end, label, text, score}]}; offsets are UTF-16 indices into the line)")
        {
            model, device, batch, productType,
        };
        command.SetAction((parse, cancel) => RunAsync(parse.GetRequiredValue(model), parse.GetValue(device), parse.GetValue(batch), Console.In, Console.Out, parse.GetValue(productType), cancel));
        return command;
    }

    public static async Task<int> RunAsync(string modelDir, string? deviceName, int batchSize, TextReader input, TextWriter output, string? productType, CancellationToken cancel)
    {
        using var tagger = new Tagger(CommonOptions.LoadCheckpoint(modelDir), CommonOptions.ToDevice(deviceName));
        if (productType is not null && tagger.ProductTypes?.AttributesOf(productType) is null)
        {
            throw new UsageException(tagger.ProductTypes is null
                ? $"--product-type: {tagger.Version} was trained before checkpoints kept their product types; train it again with ./esrs train-tagger."
                : $"--product-type: '{productType}' is not a type {tagger.Version} was trained on ({string.Join(", ", tagger.ProductTypes.Names)}).");
        }

        var lines = new List<string>(batchSize);
        var failed = 0;
        while (await input.ReadLineAsync(cancel) is { } line)
        {
            lines.Add(line);
            if (lines.Count == batchSize)
            {
                failed += await FlushAsync(tagger, lines, output, productType);
            }
        }

        failed += await FlushAsync(tagger, lines, output, productType);
        if (failed > 0)
        {
            Console.Error.WriteLine($"esrs tag: {failed} line(s) could not be tagged; their objects carry an \"error\".");
        }

        return failed > 0 ? ExitCodes.Failure : ExitCodes.Success;
    }

    private static async Task<int> FlushAsync(Tagger tagger, List<string> lines, TextWriter output, string? productType)
    {
        var results = Tag(tagger, lines, productType);
        foreach (var (text, spans, error) in results)
        {
            await output.WriteLineAsync(error is null
                ? JsonSerializer.Serialize(new { text, spans }, Json)
                : JsonSerializer.Serialize(new { text, spans, error }, Json));
        }

        await output.FlushAsync();
        lines.Clear();
        return results.Count(r => r.Error is not null);
    }

    /// <summary>Tags a batch; if the batch fails, each line alone, so one bad line never costs the others.</summary>
    private static List<(string Text, IReadOnlyList<TaggedSpan> Spans, string? Error)> Tag(Tagger tagger, List<string> lines, string? productType)
    {
        if (lines.Count == 0)
        {
            return [];
        }

        try
        {
            return [.. tagger.Tag(lines, lines.Count, productType is null ? null : [.. lines.Select(_ => productType)]).Select((spans, i) => (lines[i], spans, (string?)null))];
        }
        catch (Exception ex) when (lines.Count > 1 && ex is not OutOfMemoryException)
        {
            return [.. lines.SelectMany(line => Tag(tagger, [line], productType))];
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return [(lines[0], Array.Empty<TaggedSpan>(), ex.Message)];
        }
    }
}
