namespace Esrs.Tagging.Training;

/// <summary>Fine-tuning settings of <c>./esrs train-tagger</c>; the defaults are the best setting measured on the dev split (docs/benchmarks.md).</summary>
public sealed record TrainerOptions
{
    /// <summary>Most epochs; training stops earlier when the dev F1 has not improved for <see cref="Patience"/> epochs.</summary>
    public int Epochs { get; init; } = 12;

    public int BatchSize { get; init; } = 16;

    /// <summary>Peak learning rate of the top encoder layer (linear warm-up, then linear decay to zero).</summary>
    public double LearningRate { get; init; } = 2e-4;

    /// <summary>Learning rate of the classifier (and CRF) as a multiple of <see cref="LearningRate"/>.</summary>
    public double HeadLearningRateFactor { get; init; } = 10;

    /// <summary>Layer-wise decay: encoder layer <c>i</c> (0-based) of <c>L</c> learns at <c>LearningRate * LayerDecay^(L-1-i)</c>, the embeddings at <c>LearningRate * LayerDecay^L</c>. 1 is off.</summary>
    public double LayerDecay { get; init; } = 0.9;

    public double WarmupFraction { get; init; } = 0.1;

    public double WeightDecay { get; init; } = 0.01;

    public int MaxTokens { get; init; } = 64;

    public int Seed { get; init; } = 42;

    /// <summary>Encoder layers kept from the pretrained six (fewer trains faster and tags worse).</summary>
    public int Layers { get; init; } = 6;

    /// <summary>A CRF over the words instead of one softmax per word.</summary>
    public bool Crf { get; init; } = true;

    /// <summary>Epochs without a better dev F1 before training stops; 0 never stops early.</summary>
    public int Patience { get; init; } = 3;

    /// <summary>Dropout inside the encoder (hidden states and attention weights) while training; 0 is off.</summary>
    public double Dropout { get; init; }

    /// <summary>
    /// Seed of the new head's initial weights; null takes <see cref="Seed"/>. Models averaged into a soup share it, so their
    /// heads start from the same point and only the data order and dropout differ.
    /// </summary>
    public int? InitSeed { get; init; }

    /// <summary>Stop after this many optimizer steps in all (a smoke test's setting); 0 is no limit.</summary>
    public int MaxSteps { get; init; }
}
