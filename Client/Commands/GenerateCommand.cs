using System.CommandLine;
using System.Globalization;
using Esrs.Cli;
using Esrs.Client.Identity;
using Esrs.Client.Import;

namespace Esrs.Client.Commands;

/// <summary><c>generate registry</c>: a seeded user registry for UCI's customers with planted duplicate persons (<see cref="RegistryGenerator"/>).</summary>
internal static class GenerateCommand
{
    public static Command Create()
    {
        var users = new Option<int>("--users") { Description = "How many of UCI's customers (in file order) get a record", DefaultValueFactory = _ => 4_000 };
        users.Validators.Add(r => r.AddErrorIfBelow(2));
        var duplicates = new Option<double>("--duplicates") { Description = "Share of them that are second accounts of another customer's person (0..0.5)", DefaultValueFactory = _ => 0.1 };
        duplicates.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<double>() is < 0 or > 0.5)
            {
                r.AddError("--duplicates must be a share in 0..0.5");
            }
        });
        var seed = new Option<int>("--seed") { Description = "Seed: the same seed writes the same registry", DefaultValueFactory = _ => 1 };
        var output = new Option<string>("--out") { Description = "The registry CSV to write; its truth goes beside it as FILE.truth.csv", DefaultValueFactory = _ => "registry.csv" };
        var data = new Option<string?>("--data") { Description = "Folder of the data sets (default ESRS_DATA or ../shared/data)" };
        var registry = new Command("registry", "A realistic user registry for UCI Online Retail's customers (names, emails, phones, birth years, devices) with planted duplicate persons, and the truth to score linking against")
        {
            users, duplicates, seed, output, data,
        };
        registry.SetAction(parse =>
        {
            var root = parse.GetValue(data) ?? Environment.GetEnvironmentVariable("ESRS_DATA") ?? Path.Combine("..", "shared", "data");
            var uci = Path.Combine(root, "uci-online-retail", UciOnlineRetail.FileName);
            if (!File.Exists(uci))
            {
                throw new UsageException($"generate registry: data file not found: {Path.GetFullPath(uci)}");
            }

            var (records, truth) = RegistryGenerator.Generate(UciOnlineRetail.ReadRows(uci), parse.GetValue(users), parse.GetValue(duplicates), parse.GetValue(seed));
            var file = parse.GetRequiredValue(output);
            using (var writer = new StreamWriter(file))
            {
                RegistryCsv.Write(writer, records);
            }

            using (var writer = new StreamWriter(file + ".truth.csv"))
            {
                RegistryGenerator.WriteTruth(writer, truth);
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{records.Count:N0} records of {truth.Select(t => t.PersonId).Distinct().Count():N0} persons -> {file}, truth -> {file}.truth.csv"));
            foreach (var group in truth.GroupBy(t => t.Plant).OrderBy(g => g.Key, StringComparer.Ordinal))
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {group.Key,-26}{group.Count(),8:N0}"));
            }

            return ExitCodes.Success;
        });
        return new Command("generate", "Generate test data for the grid") { registry };
    }
}
