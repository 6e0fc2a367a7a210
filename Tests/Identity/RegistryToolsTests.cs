using Esrs.Client.Gateway;
using Esrs.Client.Identity;
using Esrs.Client.Import;
using Esrs.Tests.Support;

namespace Esrs.Tests.Identity;

/// <summary>The registry generator, its CSV, and the link scoring on hand-made registries with hand-computed scores.</summary>
public sealed class RegistryToolsTests
{
    [Fact]
    public void ScoringCountsPairsOfOnePersonFoundAndWronglyJoinedByHand()
    {
        // Truth: persons P1 = {a, b, c}, P2 = {d}, P3 = {e}. Linked by the rules: a-b (email), b-c (phone) -> {a, b, c};
        // d and e share a phone but are two persons -> one wrong pair. True pairs 3 (ab, ac, bc); linked pairs 3 + 1 = 4;
        // correct 3: precision 3/4, recall 3/3.
        UserRecordJson[] records =
        [
            new("a", "p1@example.com", null, "Ann Lee", 1980, null, null),
            new("b", "P1@example.com", "07700 900001", null, null, null, null),
            new("c", null, "07700-900-001", null, null, null, null),
            new("d", null, "07700 900999", "Dan Roe", 1970, null, null),
            new("e", null, "(07700) 900999", "Eve Roe", 1972, null, null),
        ];
        RegistryTruth[] truth = [new("a", "a", "primary"), new("b", "a", "same-email"), new("c", "a", "same-phone"), new("d", "d", "primary"), new("e", "e", "family-device")];

        var score = LinkEvaluation.Run(records, truth);

        Assert.Equal((3L, 4L, 3L), (score.TruePairs, score.PredictedPairs, score.CorrectPairs));
        Assert.Equal((0.75, 1.0), (score.Precision, score.Recall));
        Assert.Equal((1, 1), score.RecallByPlant["same-email"]);
        Assert.Equal((1, 1), score.LookalikesJoined["family-device"]);
    }

    [Fact]
    public void TheGeneratorPlantsTheAskedShareIsSeededAndItsCsvReadsBack()
    {
        var rows = UciOnlineRetail.ReadRows(UciExpectations.DataFile, 60_000).ToList();
        var (records, truth) = RegistryGenerator.Generate(rows, 1_000, 0.2, seed: 7);
        var again = RegistryGenerator.Generate(rows, 1_000, 0.2, seed: 7);
        var other = RegistryGenerator.Generate(rows, 1_000, 0.2, seed: 8);

        // The first 1,000 distinct customers of the file, in file order, each once.
        var customers = rows.Select(r => r.CustomerId).Where(c => c.Length > 0).Distinct().Take(1_000).ToList();
        Assert.Equal(customers, records.Select(r => r.UserId));
        Assert.Equal(200, truth.Count(t => RegistryGenerator.Plants.Contains(t.Plant)));
        Assert.All(truth.Where(t => t.Plant == "primary"), t => Assert.Equal(t.UserId, t.PersonId));
        Assert.Equal(records, again.Records, RecordComparer.Instance);
        Assert.NotEqual(records.Select(r => r.Email), other.Records.Select(r => r.Email));

        using var file = new TempDirectory();
        var path = Path.Combine(file.Path, "registry.csv");
        using (var writer = new StreamWriter(path))
        {
            RegistryCsv.Write(writer, [.. records, new UserRecordJson("quoted", null, null, "O'Neil, \"Jim\"", null, null, ["x", "y"])]);
        }

        var read = RegistryCsv.Read(path).ToList();
        Assert.Equal([.. records, new UserRecordJson("quoted", null, null, "O'Neil, \"Jim\"", null, null, ["x", "y"])], read, RecordComparer.Instance);
    }

    private sealed class RecordComparer : IEqualityComparer<UserRecordJson>
    {
        public static readonly RecordComparer Instance = new();

        public bool Equals(UserRecordJson? x, UserRecordJson? y) =>
            x is not null && y is not null && (x with { DeviceIds = null }) == (y with { DeviceIds = null }) && (x.DeviceIds ?? []).SequenceEqual(y.DeviceIds ?? []);

        public int GetHashCode(UserRecordJson obj) => obj.UserId?.GetHashCode(StringComparison.Ordinal) ?? 0;
    }
}
