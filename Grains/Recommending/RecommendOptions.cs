namespace Esrs.Recommending;

/// <summary>How the recommender learns and mixes its signals (configuration section <c>Esrs:Recommend</c>).</summary>
public sealed class RecommendOptions
{
    public const string SectionName = "Esrs:Recommend";

    /// <summary>Co-occurrence and popularity halve over this time, so what shoppers buy now outweighs last year.</summary>
    public TimeSpan HalfLife { get; set; } = TimeSpan.FromDays(90);

    /// <summary>Neighbours kept per item (the strongest; the table is pruned back to this when it doubles).</summary>
    public int NeighboursPerItem { get; set; } = 100;

    /// <summary>How many of a user's most recent distinct items a new interaction is paired with.</summary>
    public int PairWindow { get; set; } = 20;

    /// <summary>Weight of the user's own item interest (repeat purchases) beside the co-occurrence score.</summary>
    public double RepeatWeight { get; set; } = 0.5;

    /// <summary>Weight of global popularity: breaks ties and fills in for users whose items have no neighbours.</summary>
    public double PopularityWeight { get; set; } = 0.05;

    /// <summary>Explanations returned per item.</summary>
    public int MaxBecause { get; set; } = 3;
}
