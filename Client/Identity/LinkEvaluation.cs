using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Esrs.Client.Gateway;
using Esrs.Identity;

namespace Esrs.Client.Identity;

/// <summary>Linking scored against a registry's truth: pairs of accounts of one person found, and wrongly joined.</summary>
public sealed record LinkScore(
    int Records, int Refused, int Persons, long TruePairs, long PredictedPairs, long CorrectPairs,
    IReadOnlyDictionary<string, (int Planted, int Found)> RecallByPlant,
    IReadOnlyDictionary<string, (int Planted, int WronglyJoined)> LookalikesJoined,
    IReadOnlyDictionary<string, int> LinksByEvidence)
{
    public double Precision => PredictedPairs == 0 ? 1 : (double)CorrectPairs / PredictedPairs;

    public double Recall => TruePairs == 0 ? 1 : (double)CorrectPairs / TruePairs;

    public string ToMarkdown()
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"| records | refused | persons (truth) | same-person pairs | pairs linked | correct | precision | recall |");
        text.AppendLine("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        text.AppendLine(CultureInfo.InvariantCulture, $"| {Records:N0} | {Refused:N0} | {Persons:N0} | {TruePairs:N0} | {PredictedPairs:N0} | {CorrectPairs:N0} | {Precision:0.0000} | {Recall:0.0000} |");
        text.AppendLine();
        text.AppendLine("| planted second account | planted | found | recall |");
        text.AppendLine("| --- | ---: | ---: | ---: |");
        foreach (var (plant, (planted, found)) in RecallByPlant.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"| {plant} | {planted:N0} | {found:N0} | {(planted == 0 ? 0 : (double)found / planted):0.000} |");
        }

        text.AppendLine();
        text.AppendLine("| look-alike stranger | planted | wrongly joined |");
        text.AppendLine("| --- | ---: | ---: |");
        foreach (var (kind, (planted, joined)) in LookalikesJoined.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"| {kind} | {planted:N0} | {joined:N0} |");
        }

        text.AppendLine();
        text.AppendLine("Links by evidence: " + string.Join(", ", LinksByEvidence.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key} {p.Value:N0}")));
        return text.ToString();
    }
}

/// <summary>
/// Scores identity linking against a registry's truth: <see cref="Run"/> runs the registry's own code in process (every
/// record pseudonymised as the gateway does, under a fresh random key, and linked in file order by
/// <see cref="IdentityLinker"/>, the registry grains' rules and hub limit); <see cref="FromGridAsync"/> asks a running grid
/// for the person of every user (<c>GET /v1/users/{id}/links</c>) after the registry was imported. Either way the persons
/// found are compared with the truth file, pair by pair.
/// </summary>
public static class LinkEvaluation
{
    public static LinkScore Run(IReadOnlyList<UserRecordJson> records, IReadOnlyList<RegistryTruth> truth)
    {
        ArgumentNullException.ThrowIfNull(records);
        ArgumentNullException.ThrowIfNull(truth);
        var pseudonymiser = new Pseudonymiser("evaluation", Convert.ToHexString(RandomNumberGenerator.GetBytes(32)));
        var linker = new IdentityLinker();
        var refused = 0;
        var now = DateTime.UtcNow;
        foreach (var sent in records)
        {
            var (record, _) = RegistryRecords.Pseudonymise(sent, pseudonymiser, "evaluation", now);
            if (record is null)
            {
                refused++;
                continue;
            }

            linker.Add(record);
        }

        var byEvidence = linker.Links.GroupBy(l => l.Evidence, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        return Score(truth, linker.PersonOf, byEvidence, records.Count, refused);
    }

    /// <summary>The grid's answer for every user of the truth file (16 reads at once), scored the same way.</summary>
    public static async Task<LinkScore> FromGridAsync(HttpClient http, IReadOnlyList<RegistryTruth> truth, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(truth);
        var canonical = new System.Collections.Concurrent.ConcurrentDictionary<string, string>(StringComparer.Ordinal);
        var edges = new System.Collections.Concurrent.ConcurrentDictionary<(string, string), string>();
        await Parallel.ForEachAsync(truth, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken }, async (t, ct) =>
        {
            var view = await System.Net.Http.Json.HttpClientJsonExtensions.GetFromJsonAsync<IdentityView>(http, $"v1/users/{Uri.EscapeDataString(t.UserId)}/links", GatewayJson.Options, ct)
                ?? throw new InvalidOperationException($"no answer for {t.UserId}");
            canonical[t.UserId] = view.Canonical;
            foreach (var edge in view.Links)
            {
                edges.TryAdd((edge.A, edge.B), edge.Evidence);
            }
        });
        var byEvidence = edges.Values.GroupBy(e => e, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        return Score(truth, u => canonical[u], byEvidence, truth.Count, 0);
    }

    private static LinkScore Score(IReadOnlyList<RegistryTruth> truth, Func<string, string> predictedPerson, IReadOnlyDictionary<string, int> byEvidence, int records, int refused)
    {
        var personOf = truth.ToDictionary(t => t.UserId, t => t.PersonId, StringComparer.Ordinal);
        var users = truth.Select(t => t.UserId).ToList();
        long Pairs(IEnumerable<IGrouping<string, string>> groups) => groups.Sum(g => (long)g.Count() * (g.Count() - 1) / 2);
        var truePairs = Pairs(users.GroupBy(u => personOf[u], StringComparer.Ordinal));
        var predicted = users.GroupBy(predictedPerson, StringComparer.Ordinal).ToList();
        var predictedPairs = Pairs(predicted);
        long correct = 0;
        foreach (var group in predicted)
        {
            correct += Pairs(group.GroupBy(u => personOf[u], StringComparer.Ordinal));
        }

        var recall = new Dictionary<string, (int, int)>(StringComparer.Ordinal);
        var lookalikes = new Dictionary<string, (int, int)>(StringComparer.Ordinal);
        foreach (var t in truth)
        {
            if (RegistryGenerator.Plants.Contains(t.Plant))
            {
                var (planted, found) = recall.GetValueOrDefault(t.Plant);
                recall[t.Plant] = (planted + 1, found + (predictedPerson(t.UserId) == predictedPerson(t.PersonId) ? 1 : 0));
            }
            else if (t.Plant != "primary")
            {
                // A stranger is wrongly joined when its group holds an account of another person.
                var mine = predictedPerson(t.UserId);
                var joined = users.Any(u => personOf[u] != t.PersonId && predictedPerson(u) == mine);
                var (planted, wrong) = lookalikes.GetValueOrDefault(t.Plant);
                lookalikes[t.Plant] = (planted + 1, wrong + (joined ? 1 : 0));
            }
        }

        return new LinkScore(records, refused, personOf.Values.Distinct(StringComparer.Ordinal).Count(), truePairs, predictedPairs, correct, recall, lookalikes, byEvidence);
    }
}
