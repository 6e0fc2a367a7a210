using Esrs.Client.Gateway;
using Esrs.Client.Import;
using Esrs.Events;
using Esrs.Tests.Support;

namespace Esrs.Tests.Gateway;

/// <summary>The importer through the real gateway: 20,000 UCI rows, counts from the raw file, and a re-run that is all duplicates.</summary>
[Collection(GatewayCollection.Name)]
public sealed class ImporterTests(GatewayFixture fixture)
{
    [Fact]
    [Trait("Category", "Slow")]
    public async Task UciImportThroughTheGatewayMatchesTheRawFileAndIsIdempotent()
    {
        const int Rows = 20_000;
        var rows = UciOnlineRetail.ReadRows(UciExpectations.DataFile, Rows).ToList();
        var expected = UciExpectations.From(rows);
        using var http = fixture.Client(key: null);

        ImportSummary first;
        await using (var sink = new HttpEventSink(http, GatewayFixture.WriteKey))
        {
            first = await Importer.RunAsync(rows.Select(UciOnlineRetail.ToEvent), sink, TextWriter.Null);
        }

        ImportSummary second;
        await using (var sink = new HttpEventSink(http, GatewayFixture.WriteKey))
        {
            second = await Importer.RunAsync(rows.Select(UciOnlineRetail.ToEvent), sink, TextWriter.Null);
        }

        Assert.Equal(Rows, first.Read);
        Assert.Equal(Rows, first.Sent);
        Assert.Equal(expected.Duplicates, first[OutcomeKind.DuplicateByContent]);
        Assert.Equal(expected.Quarantined, first[OutcomeKind.Quarantined]);
        Assert.Equal(Rows - expected.Duplicates - expected.Quarantined, first[OutcomeKind.Accepted] + first[OutcomeKind.Repaired]);
        Assert.Equal(expected.WithoutCustomer, first.Rule(RuleIds.UserMissing));
        Assert.Equal(expected.NegativeQuantities, first.Rule(RuleIds.QuantitySign));
        Assert.Equal(expected.UntidyText, first.Rule(RuleIds.TextNormalised));
        Assert.Contains("rule event.user.missing", first.ToTable(), StringComparison.Ordinal);

        Assert.Equal(0, second[OutcomeKind.Accepted] + second[OutcomeKind.Repaired] + second[OutcomeKind.Quarantined]);
        Assert.Equal(Rows - expected.Duplicates, second[OutcomeKind.DuplicateById]);
        Assert.Equal(expected.Duplicates, second[OutcomeKind.DuplicateByContent]);
    }

    [Fact]
    public async Task RefusedBatchStopsTheImportWithTheGatewaysReason()
    {
        using var http = fixture.Client(key: null);
        await using var sink = new HttpEventSink(http, "wrong-key-wrong-key-wrong");

        var error = await Assert.ThrowsAsync<ImportException>(() => Importer.RunAsync([TestEvents.View("u")], sink, TextWriter.Null));

        Assert.Contains("401", error.Message, StringComparison.Ordinal);
        Assert.Contains(GatewayProblems.KeyInvalid, error.Message, StringComparison.Ordinal);
    }
}
