namespace Esrs.Tagging.Training;

/// <summary>One epoch of training: mean loss, dev micro F1 (strict spans, the checkpoint's decoding), and time since training started.</summary>
public sealed record EpochReport(int Epoch, double Loss, double DevF1, TimeSpan Elapsed);
