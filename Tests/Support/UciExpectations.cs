using System.IO.Compression;
using Esrs.Client.Import;

namespace Esrs.Tests.Support;

/// <summary>
/// What UCI Online Retail rows should turn into, computed from the raw file without the rule engine or the fingerprint.
/// A duplicate is a repeated invoice line: the same invoice, stock code, quantity, price, minute and customer as an
/// earlier line. <see cref="ExactDuplicateLines"/> counts the file's byte-identical lines independently, and
/// <see cref="RewordedDuplicates"/> the repeated invoice lines whose description (or country) was typed differently;
/// the two add up to <see cref="Duplicates"/>, which the test checks.
/// </summary>
internal sealed class UciExpectations
{
    public static string DataFile => Path.Combine(RepositoryRoot, "..", "shared", "data", "uci-online-retail", UciOnlineRetail.FileName);

    public int Duplicates { get; private set; }
    public int ExactDuplicateLines { get; private set; }
    public int RewordedDuplicates { get; private set; }
    public int GuestLines { get; private set; }
    public int WithoutCustomer { get; private set; }
    public int Quarantined { get; private set; }
    public int Cancellations { get; private set; }
    public int NegativeQuantities { get; private set; }
    public int UntidyText { get; private set; }
    public int ZeroPrice { get; private set; }
    public Dictionary<string, Customer> PerCustomer { get; } = [];

    public static UciExpectations From(IReadOnlyList<UciRow> rows)
    {
        var expected = new UciExpectations { ExactDuplicateLines = CountExactDuplicateLines(rows.Count) };
        var lines = new Dictionary<(string, string, int, DateTime, decimal, string), UciRow>();
        foreach (var row in rows)
        {
            expected.GuestLines += row.CustomerId.Length == 0 ? 1 : 0;
            var line = (row.InvoiceNo, row.StockCode, row.Quantity, row.InvoiceDate, row.UnitPrice, row.CustomerId);
            if (lines.TryGetValue(line, out var first))
            {
                expected.Duplicates++;
                expected.RewordedDuplicates += first.Description != row.Description || first.Country != row.Country ? 1 : 0;
                continue;
            }

            lines[line] = row;
            var description = row.Description;
            if (description.Length > 0 && (description != description.Trim() || description.Contains("  ", StringComparison.Ordinal)))
            {
                expected.UntidyText++;
            }

            // Rules look at every event, quarantined or not.
            expected.ZeroPrice += row.UnitPrice == 0 ? 1 : 0;
            expected.NegativeQuantities += row.Quantity < 0 && row.Quantity > -10_000 ? 1 : 0;
            var noCustomer = row.CustomerId.Length == 0;
            var badNumbers = row.UnitPrice < 0 || row.Quantity == 0 || Math.Abs(row.Quantity) >= 10_000;
            expected.WithoutCustomer += noCustomer ? 1 : 0;
            if (noCustomer || badNumbers)
            {
                expected.Quarantined++;
                continue;
            }

            var customer = expected.PerCustomer.GetValueOrDefault(row.CustomerId) ?? new Customer();
            if (row.Quantity < 0)
            {
                expected.Cancellations++;
                customer = customer with { Cancels = customer.Cancels + 1, Spend = customer.Spend + (row.Quantity * row.UnitPrice) };
            }
            else
            {
                customer = customer with { Purchases = customer.Purchases + 1, Spend = customer.Spend + (row.Quantity * row.UnitPrice) };
            }

            expected.PerCustomer[row.CustomerId] = customer;
        }

        Assert.True(expected.Duplicates > 0 && expected.WithoutCustomer > 0 && expected.Cancellations > 0 && expected.UntidyText > 0, "the slice should hold the file's dirt");
        Assert.Equal(expected.ExactDuplicateLines + expected.RewordedDuplicates, expected.Duplicates);
        return expected;
    }

    /// <summary>Lines of the gzip file (after the header, the first <paramref name="rows"/>) that repeat an earlier line byte for byte.</summary>
    public static int CountExactDuplicateLines(int rows)
    {
        using var file = new GZipStream(File.OpenRead(DataFile), CompressionMode.Decompress);
        using var reader = new StreamReader(file);
        reader.ReadLine();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var duplicates = 0;
        for (var i = 0; i < rows && reader.ReadLine() is { } line; i++)
        {
            duplicates += seen.Add(line) ? 0 : 1;
        }

        return duplicates;
    }

    public static string RepositoryRoot => FindRepositoryRoot();

    private static string FindRepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Esrs.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Esrs.sln not found above the test binaries.");
    }

    public sealed record Customer(int Purchases = 0, int Cancels = 0, decimal Spend = 0);
}
