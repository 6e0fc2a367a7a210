using System.IO.Compression;
using System.Text;
using Esrs.Tagging.Evaluation;
using Esrs.Tagging.Training;
using Esrs.Tests.Support;

namespace Esrs.Tests.Tagging;

/// <summary>
/// The material titles of <c>--augment materials</c> on a hand-made catalogue, with and without brands taught: the
/// longest material first, every repeat, never a material inside the brand, no title an out-of-shop check scores.
/// </summary>
public sealed class FlipkartMaterialsTests : IDisposable
{
    private const string Header = "uniq_id,pid,product_name,product_category_tree,retail_price,discounted_price,is_FK_Advantage_product,product_rating,overall_rating,brand";

    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    private static string Product(string id, string name, string brand) => $"{id},P{id},{name},\"[\"\"A >> B\"\"]\",10,9,FALSE,No rating available,No rating available,{brand}";

    private string Gzip(string name, IEnumerable<string> lines)
    {
        var path = Path.Combine(_directory.Path, name);
        using var file = File.Create(path);
        using var gzip = new GZipStream(file, CompressionLevel.Fastest);
        gzip.Write(Encoding.UTF8.GetBytes(string.Join('\n', lines) + "\n"));
        return path;
    }

    [Fact]
    public void MaterialsAreLabelledLongestFirstEveryTimeAndNeverInsideTheBrand()
    {
        // A brand the check holds out, found as the check finds them (every fifth brand by hash).
        var heldOut = Enumerable.Range(0, 100).Select(i => "Maker" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)).First(OutOfShopCheck.IsHeldOut);
        Assert.False(OutOfShopCheck.IsHeldOut("Cotton World"));
        var catalogue = Gzip("products.csv.gz",
        [
            Header,
            Product("1", "Cotton World Cotton Shirt", "Cotton World"),
            Product("2", "Silk Cotton  Saree", "Meera"),
            Product("3", "Leather Belt with Leather Buckle", ""),
            Product("4", "Cotton Kurta", "Ziva"),
            Product("5", "Cotton Kurta", "Ziva"), // the title of a detailed product (4) under another id
            Product("6", heldOut + " Leather Jacket", heldOut),
            Product("7", "Plain Steel Bottle", "Plain"),
            Product("8", "Leather Belt with Leather Buckle", ""), // a repeated title
        ]);
        var details = Gzip("details.csv.gz",
        [
            "uniq_id,crawl_timestamp,product_url,description,product_specifications",
            "4,2016-03-25 22:59:23 +0000,http://example.com/4,Kurta,\"{\"\"product_specification\"\"=>[{\"\"key\"\"=>\"\"Fabric\"\", \"\"value\"\"=>\"\"Cotton\"\"}]}\"",
        ]);
        string[] words = ["silk cotton", "cotton", "silk", "leather"];

        var materialsOnly = Augmenter.FlipkartMaterials(catalogue, details, words, brands: false);
        var withBrands = Augmenter.FlipkartMaterials(catalogue, details, words, brands: true);

        // By hand: "Cotton World Cotton Shirt" has its material at 13..19 (the brand's "Cotton" is not one); "Silk Cotton
        // Saree" (spaces collapsed) one span 0..11, not two; the belt both leathers, 0..7 and 18..25; nothing else.
        Assert.Equal(
            [
                ("Cotton World Cotton Shirt", "MATERIAL 13-19"),
                ("Silk Cotton Saree", "MATERIAL 0-11"),
                ("Leather Belt with Leather Buckle", "MATERIAL 0-7, MATERIAL 18-25"),
            ],
            materialsOnly.Select(Describe));
        // With brands taught the brand is a span too, and a title with a brand and no material stays, as in the brand pool.
        Assert.Equal(
            [
                ("Cotton World Cotton Shirt", "BRAND 0-12, MATERIAL 13-19"),
                ("Silk Cotton Saree", "MATERIAL 0-11"),
                ("Leather Belt with Leather Buckle", "MATERIAL 0-7, MATERIAL 18-25"),
                ("Plain Steel Bottle", "BRAND 0-5"),
            ],
            withBrands.Select(Describe));
        Assert.All(materialsOnly.Concat(withBrands), e => Assert.True(e.Partial));
    }

    private static (string Title, string Spans) Describe(TrainingExample example) =>
        (example.Text, string.Join(", ", example.Spans.Select(s => $"{s.Label} {s.Start}-{s.End}")));
}
