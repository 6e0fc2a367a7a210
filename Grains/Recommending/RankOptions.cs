namespace Esrs.Recommending;

/// <summary>How much each profile signal counts when candidates are re-ranked (configuration section <c>Esrs:Rank</c>).</summary>
public sealed class RankOptions
{
    public const string SectionName = "Esrs:Rank";

    public double Item { get; set; } = 0.30;
    public double Recent { get; set; } = 0.10;
    public double Category { get; set; } = 0.20;
    public double Brand { get; set; } = 0.15;
    public double Search { get; set; } = 0.15;
    public double Attribute { get; set; } = 0.10;
    public double Price { get; set; } = 0.05;

    /// <summary>Most candidates one request may send.</summary>
    public int MaxCandidates { get; set; } = 500;

    /// <summary>Explanations returned per item.</summary>
    public int MaxBecause { get; set; } = 3;
}
