namespace Esrs.Tests.Support;

/// <summary>
/// The real servers the test script (<c>./esrs test</c>) starts on loopback ports and names in environment variables.
/// Tests that need one fail with a message saying so when it is absent.
/// </summary>
internal static class TestServices
{
    public static string PostgreSql => Require("ESRS_TEST_POSTGRES", "PostgreSQL");

    public static string Redis => Require("ESRS_TEST_REDIS", "Redis");

    /// <summary>Path of the headless browser (Debian <c>chromium</c>).</summary>
    public static string Chromium => Require("ESRS_TEST_CHROMIUM", "nothing but finds (or installs) Chromium and names it");

    /// <summary>Where tests leave files for people to look at (screenshots); <c>artifacts/</c> of the checkout.</summary>
    public static string Artifacts => Environment.GetEnvironmentVariable("ESRS_TEST_ARTIFACTS") is { Length: > 0 } path ? path : Path.Combine(Path.GetTempPath(), "esrs-artifacts");

    private static string Require(string variable, string server) =>
        Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"{variable} is not set: run the tests with ./esrs test, which starts {server} on a loopback port.");
}
