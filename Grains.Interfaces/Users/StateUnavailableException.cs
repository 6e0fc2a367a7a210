namespace Esrs.Users;

/// <summary>
/// A grain could not make its state durable (storage down, write conflict). Nothing of the call
/// took effect: the caller should retry, and redelivered events are deduplicated.
/// </summary>
[GenerateSerializer, Alias("esrs.state-unavailable")]
public sealed class StateUnavailableException : Exception
{
    public StateUnavailableException()
    {
    }

    public StateUnavailableException(string message)
        : base(message)
    {
    }

    public StateUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
