using Esrs.Cli;
using System.CommandLine;
using Esrs.Tagging.Benchmarks;

namespace Esrs.Tagging.Commands;

/// <summary><c>bench</c>: encoder sequences/s, TorchSharp against ONNX Runtime on the same model file, in one process.</summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var threads = CommonOptions.Positive("--threads", "Intra-op threads of both engines", 2);
        var seq = CommonOptions.Positive("--seq", "Sequence length", 32);
        var batches = new Option<int[]>("--batches") { Description = "Batch sizes", DefaultValueFactory = _ => [1, 8, 32, 64], AllowMultipleArgumentsPerToken = true };
        batches.Validators.Add(result =>
        {
            int[]? values;
            try
            {
                values = result.GetValueOrDefault<int[]>();
            }
            catch (InvalidOperationException)
            {
                return; // not numbers: the parser says so
            }

            if (values is not { Length: > 0 } || values.Any(v => v < 1))
            {
                result.AddError("--batches takes one or more sizes of at least 1.");
            }
        });
        var seconds = new Option<double>("--seconds") { Description = "Least measuring time per engine and batch size", DefaultValueFactory = _ => 2 };
        var command = new Command("bench-tagger", "Encoder sequences/s at each batch size: TorchSharp vs ONNX Runtime, same model file, same process")
        {
            threads, seq, batches, seconds,
        };
        command.Aliases.Add("bench"); // the name scripts and earlier notes call it by (Esrs.Tagger.Cli bench)
        command.SetAction(parse =>
        {
            Console.WriteLine(EncoderBench.Run(parse.GetValue(threads), parse.GetValue(seq), parse.GetRequiredValue(batches), TimeSpan.FromSeconds(parse.GetValue(seconds)), Console.Error));
            return ExitCodes.Success;
        });
        return command;
    }
}
