namespace Esrs.Tagging.Training;

/// <summary>Fine-tuning settings of <c>./esrs train-tagger</c>.</summary>
public sealed record TrainerOptions
{
    public int Epochs { get; init; } = 10;
    public int BatchSize { get; init; } = 16;
    public double LearningRate { get; init; } = 1e-4;
    public double WarmupFraction { get; init; } = 0.1;
    public double WeightDecay { get; init; } = 0.01;
    public int MaxTokens { get; init; } = 64;
    public int Seed { get; init; } = 42;

    /// <summary>Encoder layers kept from the pretrained six (fewer trains faster and tags worse).</summary>
    public int Layers { get; init; } = 6;
}
