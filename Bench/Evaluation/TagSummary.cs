namespace Esrs.Bench.Evaluation;

/// <summary>What tagging did to the evaluated profiles: texts tagged, spans found and kept, profiles that gained attributes.</summary>
public sealed record TagSummary(string ModelVersion, int Texts, int TextsWithTags, int Tags, int TagsKept, int Profiles, int ProfilesWithAttributes);
