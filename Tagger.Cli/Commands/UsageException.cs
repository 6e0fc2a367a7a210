namespace Esrs.Tagging.Commands;

/// <summary>What the user asked for cannot be done as asked (a missing data set or checkpoint, a bad value): exit code 2, the message on stderr.</summary>
public sealed class UsageException(string message) : Exception(message);
