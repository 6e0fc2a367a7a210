using Esrs.Users;

namespace Esrs.Silo.Ingest;

/// <summary>
/// Tells a failure of the grid (storage down, a silo gone, a timeout, overload: retrying later will work) from a failure
/// of the entry itself (retrying will fail the same way). Only the second kind counts toward dead-lettering.
/// </summary>
public static class TransientFailures
{
    public static bool IsTransient(Exception exception) => exception switch
    {
        StateUnavailableException or TimeoutException or OperationCanceledException => true,
        SiloUnavailableException or GatewayTooBusyException or OrleansMessageRejectionException => true,
        Orleans.Runtime.Messaging.ConnectionFailedException or StackExchange.Redis.RedisConnectionException or StackExchange.Redis.RedisTimeoutException => true,
        System.Data.Common.DbException or System.Net.Sockets.SocketException or System.IO.IOException => true,
        AggregateException aggregate => aggregate.InnerExceptions.Count > 0 && aggregate.InnerExceptions.All(IsTransient),
        _ => exception.InnerException is { } inner && IsTransient(inner),
    };
}
