namespace Esrs.Users;

/// <summary>
/// Tells a failure of the grid (storage down, a silo gone, a timeout, overload: retrying later will work) from a failure
/// of the request itself (retrying will fail the same way). The gateway answers the first kind with 503 and Retry-After;
/// the Redis consumer never counts it toward dead-lettering. Callers with clients of their own (Redis) add theirs.
/// </summary>
public static class TransientFailures
{
    public static bool IsTransient(Exception exception, Func<Exception, bool>? alsoTransient = null) => exception switch
    {
        StateUnavailableException or TimeoutException or OperationCanceledException => true,
        SiloUnavailableException or GatewayTooBusyException or OrleansMessageRejectionException => true,
        Orleans.Runtime.Messaging.ConnectionFailedException => true,
        System.Data.Common.DbException or System.Net.Sockets.SocketException or System.IO.IOException => true,
        _ when alsoTransient?.Invoke(exception) == true => true,
        AggregateException aggregate => aggregate.InnerExceptions.Count > 0 && aggregate.InnerExceptions.All(e => IsTransient(e, alsoTransient)),
        _ => exception.InnerException is { } inner && IsTransient(inner, alsoTransient),
    };
}
