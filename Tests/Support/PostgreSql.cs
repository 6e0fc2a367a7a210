namespace Esrs.Tests.Support;

/// <summary>
/// The real PostgreSQL server the test script (<c>./esrs test</c>) starts on a loopback port and
/// names in <c>ESRS_TEST_POSTGRES</c>. Tests that need it fail with this message when it is absent.
/// </summary>
internal static class PostgreSql
{
    public const string Variable = "ESRS_TEST_POSTGRES";

    public static string ConnectionString =>
        Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"{Variable} is not set: run the tests with ./esrs test, which starts PostgreSQL on a loopback port.");
}
