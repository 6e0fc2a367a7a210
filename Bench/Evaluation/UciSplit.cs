using System.Text.RegularExpressions;
using Esrs.Client.Import;

namespace Esrs.Bench.Evaluation;

/// <summary>A test customer: the products they bought in the test period, and those they had bought in training.</summary>
public sealed record TestCustomer(string CustomerId, int[] TestItems, HashSet<int> TrainItems);

/// <summary>
/// The time split and the ground truth of the UCI evaluation, read from the raw rows by a definition of its own (not
/// the cleaning rules'): a product is a stock code that starts with five digits (the data set's README); a purchase is a
/// line of an invoice that is not a cancellation or adjustment (no <c>C</c>/<c>A</c> prefix) with quantity and price
/// above zero and a customer. Training is every row before 2011-10-01 00:00 (UK time, as written); the test
/// purchases of a customer are their purchased products from then on. Evaluated: customers with a training purchase
/// and a test purchase. Every product of the file is ranked.
/// </summary>
public sealed partial class UciSplit
{
    /// <summary>Start of the test period, as the file writes times (UK local).</summary>
    public static readonly DateTime CutoffLocal = new(2011, 10, 1, 0, 0, 0, DateTimeKind.Unspecified);

    /// <summary>The same instant in UTC (British Summer Time, UTC+1): the moment the models are read at.</summary>
    public static readonly DateTime CutoffUtc = new(2011, 9, 30, 23, 0, 0, DateTimeKind.Utc);

    private UciSplit(List<UciRow> rows, string[] products, Dictionary<string, int> productIndex, List<TestCustomer> customers)
    {
        Rows = rows;
        Products = products;
        ProductIndex = productIndex;
        Customers = customers;
    }

    /// <summary>All rows in file order.</summary>
    public List<UciRow> Rows { get; }

    /// <summary>Every product of the file, in order of first appearance: the items ranked.</summary>
    public string[] Products { get; }

    public Dictionary<string, int> ProductIndex { get; }

    /// <summary>The evaluated customers, in order of first test purchase.</summary>
    public List<TestCustomer> Customers { get; }

    /// <summary>Whether a row falls in the training period.</summary>
    public static bool IsTrain(UciRow row) => row.InvoiceDate < CutoffLocal;

    public static bool IsProduct(string stockCode) => ProductCode().IsMatch(stockCode);

    /// <summary>A customer's purchase of a product by this class's own definition.</summary>
    public static bool IsProductPurchase(UciRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        return row.CustomerId.Length > 0
            && row.InvoiceNo.Length > 0 && char.IsAsciiDigit(row.InvoiceNo[0])
            && row.Quantity > 0 && row.UnitPrice > 0
            && IsProduct(row.StockCode);
    }

    public static UciSplit Read(IEnumerable<UciRow> source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var rows = source.ToList();
        var productIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        var products = new List<string>();
        foreach (var row in rows)
        {
            if (IsProduct(row.StockCode) && productIndex.TryAdd(row.StockCode, products.Count))
            {
                products.Add(row.StockCode);
            }
        }

        var train = new Dictionary<string, HashSet<int>>(StringComparer.Ordinal);
        var test = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var row in rows)
        {
            if (!IsProductPurchase(row))
            {
                continue;
            }

            var item = productIndex[row.StockCode];
            if (IsTrain(row))
            {
                (train.TryGetValue(row.CustomerId, out var set) ? set : train[row.CustomerId] = []).Add(item);
            }
            else
            {
                if (!test.TryGetValue(row.CustomerId, out var list))
                {
                    test[row.CustomerId] = list = [];
                    order.Add(row.CustomerId);
                }

                if (!list.Contains(item))
                {
                    list.Add(item);
                }
            }
        }

        var customers = order
            .Where(train.ContainsKey)
            .Select(c => new TestCustomer(c, [.. test[c]], train[c]))
            .ToList();
        return new UciSplit(rows, [.. products], productIndex, customers);
    }

    [GeneratedRegex("^[0-9]{5}", RegexOptions.CultureInvariant)]
    private static partial Regex ProductCode();
}
