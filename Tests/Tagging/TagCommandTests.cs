using Esrs.Cli;
using System.Text.Json;
using Esrs.Tagging.Commands;
using Esrs.Tagging.Inference;
using Esrs.Tagging.Model;
using Esrs.Tests.Support;
using static TorchSharp.torch;

namespace Esrs.Tests.Tagging;

/// <summary><c>./esrs tag</c> on the lines scraped titles are made of: every line answered, in order, spans inside the line.</summary>
public sealed class TagCommandTests : IDisposable
{
    private static readonly string[] Lines =
    [
        "Nike Air Zoom\tPegasus 39 Men's Running Shoes\t",
        "\tORGANIC green tea, 100 bags",
        "Cafe\u0301 Cre\u0300me 500 ml \U0001F600 ＢＩＯ",
        "\u0001ctrl\u0007 char\u200B",
        "",
        "绿茶 green tea",
        string.Join(' ', Enumerable.Repeat("Stainless steel water bottle 750ml", 40)),
        "last line",
    ];

    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task EveryLineIsAnsweredInOrderWithSpansThatAreSubstringsOfIt()
    {
        manual_seed(9);
        using (var model = new BertTokenClassifier(BertConfig.MiniLmL6 with { Layers = 2 }, TaggerData.Labels))
        {
            using (no_grad())
            {
                BertWeights.LoadInto(model, TaggerData.MiniLm, prefix: "bert.");
            }

            TaggerCheckpoint.Save(_directory.Path, new Checkpoint(model, TaggerData.Labels, TaggerData.Tokenizer, "slice", DecodingMode.Viterbi));
        }

        using var output = new StringWriter();
        var code = await TagCommand.RunAsync(_directory.Path, "cpu", batchSize: 3, new StringReader(string.Join('\n', Lines) + "\n"), output, productType: null, CancellationToken.None);

        Assert.Equal(ExitCodes.Success, code);
        var answers = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(Lines, answers.Select(a => a.GetProperty("text").GetString()));
        var spans = 0;
        for (var i = 0; i < Lines.Length; i++)
        {
            Assert.False(answers[i].TryGetProperty("error", out _));
            foreach (var span in answers[i].GetProperty("spans").EnumerateArray())
            {
                var (start, end) = (span.GetProperty("start").GetInt32(), span.GetProperty("end").GetInt32());
                Assert.InRange(start, 0, end - 1);
                Assert.InRange(end, start + 1, Lines[i].Length);
                Assert.Equal(Lines[i][start..end], span.GetProperty("text").GetString());
                spans++;
            }
        }

        Assert.True(spans > 0);
        Assert.Empty(answers[4].GetProperty("spans").EnumerateArray());
    }
}
