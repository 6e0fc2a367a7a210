namespace Esrs.Tests.Support;

/// <summary>
/// The real servers the test script (<c>./esrs test</c>) starts on loopback ports and names in environment variables.
/// Tests that need one fail with a message saying so when it is absent.
/// </summary>
internal static class TestServices
{
    public static string PostgreSql => Require("ESRS_TEST_POSTGRES", "PostgreSQL");

    public static string Redis => Require("ESRS_TEST_REDIS", "Redis");

    private static string Require(string variable, string server) =>
        Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"{variable} is not set: run the tests with ./esrs test, which starts {server} on a loopback port.");
}
