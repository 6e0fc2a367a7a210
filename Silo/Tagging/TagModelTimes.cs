namespace Esrs.Silo.Tagging;

/// <summary>Where a model's time went, summed since start: tokenising and decoding (callers' threads), padding and encoding (the batch thread).</summary>
public sealed record TagModelTimes(TimeSpan Tokenise, TimeSpan Pad, TimeSpan Encode, TimeSpan Decode);
