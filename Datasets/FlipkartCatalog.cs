using System.Globalization;
using System.Text.RegularExpressions;

namespace Esrs.Datasets;

/// <summary>The Flipkart catalogue, read product by product, and the descriptions and specifications of its first 999 products.</summary>
public static partial class FlipkartCatalog
{
    public const string FileName = "flipkart_products.csv.gz";
    public const string DetailsFileName = "flipkart_product_details_first999.csv.gz";

    private static readonly string[] DetailsHeader = ["uniq_id", "crawl_timestamp", "product_url", "description", "product_specifications"];

    /// <summary>Description by <c>uniq_id</c>, from the details file (blank descriptions left out).</summary>
    public static Dictionary<string, string> ReadDescriptions(Stream file)
    {
        var descriptions = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var f in GzipCsv.Records(file, DetailsHeader, "Flipkart details", null))
        {
            if (!string.IsNullOrWhiteSpace(f[3]))
            {
                descriptions[f[0]] = f[3];
            }
        }

        return descriptions;
    }

    /// <summary>
    /// Specifications by <c>uniq_id</c>, from the details file: its <c>product_specifications</c> (a Ruby-hash-like string,
    /// <c>{"product_specification"=&gt;[{"key"=&gt;"Color", "value"=&gt;"Red"}, ...]}</c>) as (key, value) pairs in order.
    /// </summary>
    public static Dictionary<string, List<(string Key, string Value)>> ReadSpecifications(Stream file)
    {
        var specifications = new Dictionary<string, List<(string, string)>>(StringComparer.Ordinal);
        foreach (var f in GzipCsv.Records(file, DetailsHeader, "Flipkart details", null))
        {
            var pairs = new List<(string, string)>();
            foreach (Match m in SpecificationPair().Matches(f[4]))
            {
                pairs.Add((m.Groups[1].Value.Trim(), m.Groups[2].Value.Trim()));
            }

            if (pairs.Count > 0)
            {
                specifications[f[0]] = pairs;
            }
        }

        return specifications;
    }

    [GeneratedRegex("\\{\"key\"=>\"([^\"]*)\", \"value\"=>\"([^\"]*)\"\\}")]
    private static partial Regex SpecificationPair();

    private static readonly string[] Header =
        ["uniq_id", "pid", "product_name", "product_category_tree", "retail_price", "discounted_price", "is_FK_Advantage_product", "product_rating", "overall_rating", "brand"];

    public static IEnumerable<FlipkartProduct> ReadProducts(Stream file, int? limit = null)
    {
        foreach (var f in GzipCsv.Records(file, Header, "Flipkart catalogue", limit))
        {
            yield return new FlipkartProduct(f[0], f[1], f[2], CategoryPath(f[3]), Price(f[4]), Price(f[5]), f[9].Length == 0 ? null : f[9]);
        }
    }

    /// <summary><c>["A &gt;&gt; B &gt;&gt; C"]</c> becomes <c>A &gt; B &gt; C</c>.</summary>
    private static string CategoryPath(string tree) =>
        string.Join(" > ", tree.Trim('[', ']', '"').Split(">>", StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));

    private static decimal? Price(string value) => decimal.TryParse(value, NumberStyles.Number, CultureInfo.InvariantCulture, out var price) ? price : null;
}

/// <summary>One catalogue product.</summary>
public sealed record FlipkartProduct(string UniqId, string Pid, string Name, string CategoryPath, decimal? RetailPrice, decimal? DiscountedPrice, string? Brand);
