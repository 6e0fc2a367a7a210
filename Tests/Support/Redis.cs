namespace Esrs.Tests.Support;

/// <summary>The real Redis server the test script (<c>./esrs test</c>) starts on a loopback port and names in <c>ESRS_TEST_REDIS</c>.</summary>
internal static class Redis
{
    public const string Variable = "ESRS_TEST_REDIS";

    public static string Endpoint =>
        Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"{Variable} is not set: run the tests with ./esrs test, which starts Redis on a loopback port.");
}
