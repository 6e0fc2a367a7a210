namespace Esrs.Client.Gateway;

/// <summary>The operator's quality page (<c>quality.html</c>, embedded): charts, alerts, completeness, rules; it reads <c>/v1/quality*</c> with the operator key.</summary>
internal static class QualityPage
{
    public static string Html { get; } = Load();

    private static string Load()
    {
        using var stream = typeof(QualityPage).Assembly.GetManifestResourceStream("Esrs.Client.Gateway.quality.html")
            ?? throw new InvalidOperationException("The embedded quality page is missing.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
