using Esrs.Tagging.Inference;
using Esrs.Tagging.Model;
using Esrs.Tests.Support;
using static TorchSharp.torch;

namespace Esrs.Tests.Tagging;

/// <summary>
/// A checkpoint of several models (<c>./esrs train-tagger --ensemble N</c>): saved and loaded whole, tagged with the mean of
/// the members' label probabilities, and never mixed with the members of another checkpoint.
/// </summary>
public sealed class TaggerEnsembleTests
{
    private static readonly string[] Titles =
    [
        "Philips Sonicare DiamondClean Smart 9700 Rechargeable Electric Toothbrush",
        "Nike Men's Air Zoom Pegasus 38 Running Shoe, 10.5 US",
        "Organic Extra Virgin Olive Oil 500 ml",
    ];

    [Fact]
    public void AnEnsembleTagsWithTheMeanOfItsMembersProbabilities()
    {
        using var directory = new TempDirectory();
        Save(directory.Path, "ens", seeds: [11, 12, 13]);
        var loaded = TaggerCheckpoint.Load(directory.Path);
        Assert.Equal(3, loaded.Members.Count);
        using var ensemble = new Tagger(loaded, CPU, boundaryCheck: false);
        Assert.Equal(3, ensemble.Members);

        // Each member alone, from the same files, then the mean of their probabilities by hand.
        var singles = Enumerable.Range(0, 3).Select(i => Single(loaded, i)).ToList();
        var prepared = Titles.Select(ensemble.Prepare).ToList();
        var together = ensemble.Run(prepared);
        var apart = singles.Select(s => s.Run(prepared)).ToList();
        for (var t = 0; t < Titles.Length; t++)
        {
            Assert.Equal(apart[0][t].Length, together[t].Length);
            for (var j = 0; j < together[t].Length; j++)
            {
                var mean = (Math.Exp(apart[0][t][j]) + Math.Exp(apart[1][t][j]) + Math.Exp(apart[2][t][j])) / 3;
                Assert.Equal(Math.Log(mean), together[t][j], tolerance: 1e-4);
            }
        }

        // The members differ (other seeds), so the mean is not any one of them.
        Assert.NotEqual(apart[0][0], apart[1][0]);
    }

    [Fact]
    public void ASingleModelSavedOverAnEnsembleLeavesNoMemberBehind()
    {
        using var directory = new TempDirectory();
        Save(directory.Path, "ens", seeds: [1, 2, 3]);
        Assert.True(File.Exists(Path.Combine(directory.Path, TaggerCheckpoint.MemberFileName(2))));

        Save(directory.Path, "single", seeds: [4]);

        Assert.False(File.Exists(Path.Combine(directory.Path, TaggerCheckpoint.MemberFileName(1))));
        Assert.False(File.Exists(Path.Combine(directory.Path, TaggerCheckpoint.MemberFileName(2))));
        var loaded = TaggerCheckpoint.Load(directory.Path);
        Assert.Equal("single", loaded.Version);
        Assert.Single(loaded.Members);
    }

    [Fact]
    public void AMemberOfAnotherCheckpointOrAMissingOneIsRefusedWithTheFileNamed()
    {
        using var directory = new TempDirectory();
        using var other = new TempDirectory();
        Save(directory.Path, "ens-a", seeds: [1, 2]);
        Save(other.Path, "ens-b", seeds: [3, 4]);
        var member = TaggerCheckpoint.MemberFileName(1);

        File.Copy(Path.Combine(other.Path, member), Path.Combine(directory.Path, member), overwrite: true);
        var mixed = Assert.Throws<FormatException>(() => TaggerCheckpoint.Load(directory.Path));
        Assert.Contains("ens-b", mixed.Message, StringComparison.Ordinal);
        Assert.Contains("ens-a", mixed.Message, StringComparison.Ordinal);

        File.Delete(Path.Combine(directory.Path, member));
        var missing = Assert.Throws<FileNotFoundException>(() => TaggerCheckpoint.Load(directory.Path));
        Assert.Contains(member, missing.Message, StringComparison.Ordinal);
    }

    /// <summary>A checkpoint of one-layer slices with random weights, one per seed (the first is the main model).</summary>
    private static void Save(string directory, string version, int[] seeds)
    {
        var models = seeds.Select(seed =>
        {
            manual_seed(seed);
            return new BertTokenClassifier(BertConfig.MiniLmL6 with { Layers = 1 }, TaggerData.Labels, crf: true);
        }).ToList();
        try
        {
            TaggerCheckpoint.Save(directory, new Checkpoint(models[0], TaggerData.Labels, TaggerData.Tokenizer, version, DecodingMode.Viterbi, Others: models[1..]));
        }
        finally
        {
            models.ForEach(m => m.Dispose());
        }
    }

    private static Tagger Single(Checkpoint ensemble, int member) =>
        new(ensemble with { Model = ensemble.Members[member], Others = null }, CPU, boundaryCheck: false);
}
