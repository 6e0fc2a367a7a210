namespace Esrs.Tagging.Training;

/// <summary>Which augmentations <c>train-tagger</c> applies; each can be switched on alone to measure its effect.</summary>
public sealed record AugmentationOptions
{
    public static AugmentationOptions None { get; } = new();

    /// <summary>Flipkart titles whose brand occurs in the title, the brand as a BRAND span (partial labels).</summary>
    public bool Distant { get; init; }

    /// <summary>
    /// Flipkart titles holding a material word of the catalogue's own specifications (<see cref="Augmenter.FlipkartMaterialWords"/>),
    /// each such word a MATERIAL span (partial labels), in the distant draw; with <see cref="Distant"/> their brands are spans too.
    /// </summary>
    public bool Materials { get; init; }

    /// <summary>Distant examples added to each epoch (drawn from every usable catalogue title).</summary>
    public int DistantPerEpoch { get; init; } = 300;

    /// <summary>Self-trained examples added to each epoch (when <c>--self-train</c> gives a teacher; not part of <see cref="Any"/>).</summary>
    public int SelfTrainedPerEpoch { get; init; }

    /// <summary>Case changes, typos (swap/drop/double a letter) and dropped unlabelled words, applied per epoch.</summary>
    public bool Noise { get; init; }

    /// <summary>Share of words touched by <see cref="Noise"/>.</summary>
    public double NoiseRate { get; init; } = 0.12;

    /// <summary>Swap a span's value for another value of the same label seen in training, per epoch.</summary>
    public bool Substitute { get; init; }

    /// <summary>Share of spans <see cref="Substitute"/> replaces.</summary>
    public double SubstituteRate { get; init; } = 0.3;

    /// <summary>Repeat titles carrying rare labels until each label has about <see cref="OversampleTarget"/> spans.</summary>
    public bool Oversample { get; init; }

    public int OversampleTarget { get; init; } = 60;

    /// <summary>Largest repeat count for one title.</summary>
    public int OversampleMaxCopies { get; init; } = 4;

    /// <summary>
    /// Share of labelled titles shown each epoch with their product type before them (<c>Tea | ...</c>), so that a caller who
    /// knows an item's type can say it (<see cref="Inference.ProductTypes"/>); 0: never. Not part of <see cref="Any"/>.
    /// </summary>
    public double TypedShare { get; init; }

    public bool Any => Distant || Materials || Noise || Substitute || Oversample;

    /// <summary>Parses <c>none</c>, <c>all</c> or a comma list of <c>distant,materials,noise,substitute,oversample</c>.</summary>
    public static AugmentationOptions Parse(string? value)
    {
        var options = new AugmentationOptions();
        foreach (var name in (value ?? "none").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            options = name switch
            {
                "none" => options,
                "all" => options with { Distant = true, Materials = true, Noise = true, Substitute = true, Oversample = true },
                "distant" => options with { Distant = true },
                "materials" => options with { Materials = true },
                "noise" => options with { Noise = true },
                "substitute" => options with { Substitute = true },
                "oversample" => options with { Oversample = true },
                _ => throw new ArgumentException($"--augment: unknown augmentation '{name}' (none, all, distant, materials, noise, substitute, oversample)"),
            };
        }

        return options;
    }

    public override string ToString()
    {
        var names = new[] { (Distant, "distant"), (Materials, "materials"), (Noise, "noise"), (Substitute, "substitute"), (Oversample, "oversample") }
            .Where(p => p.Item1).Select(p => p.Item2).ToList();
        return names.Count == 0 ? "none" : string.Join(',', names);
    }
}
