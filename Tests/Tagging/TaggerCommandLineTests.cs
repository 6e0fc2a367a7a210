using Esrs.Cli;
using Esrs.Tagging.Commands;
using Esrs.Tests.Support;

namespace Esrs.Tests.Tagging;

/// <summary>The tagger's parser, in process: what it refuses and with which exit code (0 done, 1 failed, 2 usage or missing file).</summary>
public sealed class TaggerCommandLineTests : IDisposable
{
    private readonly TempDirectory _empty = new();

    public void Dispose() => _empty.Dispose();

    [Theory]
    [InlineData("--help")]
    [InlineData("train --help")]
    [InlineData("eval --help")]
    [InlineData("tag --help")]
    [InlineData("bench --help")]
    public async Task EveryCommandHasHelp(string args) => Assert.Equal(ExitCodes.Success, await TaggerCommandLine.RunAsync(args.Split(' ')));

    [Theory]
    [InlineData("")]
    [InlineData("frobnicate")]
    [InlineData("train --epochs many")]
    [InlineData("train --epochs 0")]
    [InlineData("train --augment noise,mixup")]
    [InlineData("train --decoding sideways")]
    [InlineData("train --typed-share 1.5")]
    [InlineData("train --threads 0")]
    [InlineData("train --layers 9")]
    [InlineData("train --lr -1")]
    [InlineData("train --lr 0")]
    [InlineData("train --layer-decay 1.5")]
    [InlineData("train --warmup 1")]
    [InlineData("train --soup 2 --soup 1")]
    [InlineData("train --ensemble 2 --ensemble 3")]
    [InlineData("tag --device tpu")]
    [InlineData("bench --batches")]
    public async Task ABadCommandLineIsAUsageError(string args) =>
        Assert.Equal(ExitCodes.Usage, await TaggerCommandLine.RunAsync(args.Split(' ', StringSplitOptions.RemoveEmptyEntries)));

    [Fact]
    public async Task AMissingCheckpointOrDataSetIsAUsageError()
    {
        Assert.Equal(ExitCodes.Usage, await TaggerCommandLine.RunAsync(["tag", "--model", _empty.Path]));
        Assert.Equal(ExitCodes.Usage, await TaggerCommandLine.RunAsync(["train", "--data", _empty.Path]));
    }
}
