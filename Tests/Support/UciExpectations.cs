using Esrs.Client.Import;

namespace Esrs.Tests.Support;

/// <summary>What UCI Online Retail rows should turn into, computed from the raw rows without the rule engine.</summary>
internal sealed class UciExpectations
{
    public static string DataFile => Path.Combine(RepositoryRoot(), "..", "shared", "data", "uci-online-retail", UciOnlineRetail.FileName);

    public int Duplicates { get; private set; }
    public int WithoutCustomer { get; private set; }
    public int Quarantined { get; private set; }
    public int Cancellations { get; private set; }
    public int NegativeQuantities { get; private set; }
    public int UntidyText { get; private set; }
    public int ZeroPrice { get; private set; }
    public Dictionary<string, Customer> PerCustomer { get; } = [];

    public static UciExpectations From(IReadOnlyList<UciRow> rows)
    {
        var seen = new HashSet<(string, string, int, decimal, DateTime)>();
        var expected = new UciExpectations();
        foreach (var row in rows)
        {
            // The content fingerprint's fields, per grain (customer, or the shared unattributed grains).
            if (!seen.Add((row.CustomerId, row.StockCode, row.Quantity, row.UnitPrice, row.InvoiceDate)))
            {
                expected.Duplicates++;
                continue;
            }

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
        return expected;
    }

    private static string RepositoryRoot()
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
