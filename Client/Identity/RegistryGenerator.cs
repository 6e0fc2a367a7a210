using System.Globalization;
using Esrs.Client.Gateway;
using Esrs.Client.Import;

namespace Esrs.Client.Identity;

/// <summary>Who a generated record really is: its person, and how it was planted.</summary>
public sealed record RegistryTruth(string UserId, string PersonId, string Plant);

/// <summary>
/// A seeded, realistic user registry for UCI Online Retail's customers, with planted duplicate persons so linking can be
/// scored. Each customer is a person (name, birth year, gender, email, phone, 1-3 devices; names drawn by the customer's
/// country). A share <c>duplicates</c> of the customers are instead second accounts of another customer's person, planted
/// one of four ways: <c>same-email</c> (the email in other case, the name with a typo), <c>same-phone</c> (another email,
/// the phone written another way), <c>name-birth-year-device</c> (another email and phone, the name spelt with other
/// case, accents or order, one device shared), and <c>typo-device</c> (another email and phone, a typo in the name, one
/// device shared: no rule can see it, so recall stays honest). Strangers that look alike are planted too: 2 % of persons
/// share a device with another (<c>family-device</c>), 1 % have another's name and birth year (<c>namesake</c>).
/// </summary>
public static class RegistryGenerator
{
    public static readonly string[] Plants = ["same-email", "same-phone", "name-birth-year-device", "typo-device"];

    private static readonly string[] UkFirst = ["Oliver", "Amelia", "George", "Isla", "Harry", "Ava", "Jack", "Mia", "Charlie", "Emily", "Thomas", "Grace", "James", "Sophie", "William", "Lily", "Daniel", "Chloe", "Samuel", "Ella", "Joseph", "Freya", "Henry", "Evie", "Alfie", "Poppy", "Leo", "Ruby", "Arthur", "Alice"];
    private static readonly string[] UkLast = ["Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson", "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood", "Jackson", "Clarke", "Patel", "Khan", "Lewis", "Harris", "Martin", "Cooper", "King", "Baker", "Hughes", "Turner"];
    private static readonly string[] EuFirst = ["Jörg", "Anaïs", "José", "Zoë", "Søren", "Chloé", "Łukasz", "Renée", "Björn", "Inès", "Jürgen", "Mathéo", "Hélène", "François", "Núria", "Åsa", "Grégoire", "Małgorzata", "Élodie", "Andrés"];
    private static readonly string[] EuLast = ["Müller", "Schäfer", "García", "Dubois", "Løkke", "Lefèvre", "Nowak", "Sørensen", "Fernández", "Gómez", "Weiß", "Böhm", "Moreau", "Núñez", "Kowalski", "Öberg", "Jørgensen", "Rodríguez", "Lambert", "Vogel"];
    private static readonly string[] Domains = ["gmail.com", "yahoo.co.uk", "hotmail.com", "outlook.com", "btinternet.com", "gmx.de", "orange.fr", "icloud.com"];

    public static (List<UserRecordJson> Records, List<RegistryTruth> Truth) Generate(IEnumerable<UciRow> rows, int users, double duplicates, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(users, 2);
        if (duplicates is < 0 or > 0.5 || !double.IsFinite(duplicates))
        {
            throw new ArgumentOutOfRangeException(nameof(duplicates), "duplicates must be a share in 0..0.5");
        }

        var customers = new List<(string Id, string Country)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            if (row.CustomerId.Length > 0 && seen.Add(row.CustomerId))
            {
                customers.Add((row.CustomerId, row.Country));
                if (customers.Count == users)
                {
                    break;
                }
            }
        }

        var random = new Random(seed);
        var records = new List<UserRecordJson>(customers.Count);
        var truth = new List<RegistryTruth>(customers.Count);
        var primaries = new List<Person>();
        var duplicateCount = (int)Math.Round(customers.Count * duplicates);
        // Which customers are second accounts: a seeded choice, never the first (someone must exist to copy).
        var seconds = Enumerable.Range(1, customers.Count - 1).OrderBy(_ => random.Next()).Take(duplicateCount).ToHashSet();
        for (var i = 0; i < customers.Count; i++)
        {
            var (id, country) = customers[i];
            if (seconds.Contains(i) && primaries.Count > 0)
            {
                var person = primaries[random.Next(primaries.Count)];
                var plant = Plants[random.Next(Plants.Length)];
                records.Add(SecondAccount(id, person, plant, random));
                truth.Add(new RegistryTruth(id, person.Id, plant));
                continue;
            }

            var fresh = NewPerson(id, country, random);
            var lookalike = "primary";
            if (primaries.Count > 0 && random.NextDouble() < 0.02)
            {
                // A family member: another person on a shared tablet.
                fresh = fresh with { Devices = [.. fresh.Devices, primaries[random.Next(primaries.Count)].Devices[0]] };
                lookalike = "family-device";
            }
            else if (primaries.Count > 0 && random.NextDouble() < 0.01)
            {
                var other = primaries[random.Next(primaries.Count)];
                fresh = fresh with { First = other.First, Last = other.Last, BirthYear = other.BirthYear };
                lookalike = "namesake";
            }

            primaries.Add(fresh);
            records.Add(new UserRecordJson(id, fresh.Email, Format(fresh.Phone, random.Next(3)), fresh.First + " " + fresh.Last, fresh.BirthYear, fresh.Gender, fresh.Devices));
            truth.Add(new RegistryTruth(id, fresh.Id, lookalike));
        }

        return (records, truth);
    }

    public static void WriteTruth(TextWriter writer, IEnumerable<RegistryTruth> truth)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteLine("userId,personId,plant");
        foreach (var t in truth ?? [])
        {
            writer.WriteLine($"{t.UserId},{t.PersonId},{t.Plant}");
        }
    }

    public static List<RegistryTruth> ReadTruth(string path) =>
        [.. File.ReadLines(path).Skip(1).Where(l => l.Length > 0).Select(l => l.Split(',')).Select(f => new RegistryTruth(f[0], f[1], f[2]))];

    private sealed record Person(string Id, string First, string Last, int BirthYear, string Gender, string Email, string Phone, string[] Devices);

    private static Person NewPerson(string id, string country, Random random)
    {
        var european = country is not ("United Kingdom" or "EIRE" or "Unspecified" or "Australia" or "USA" or "Canada");
        var first = european ? EuFirst[random.Next(EuFirst.Length)] : UkFirst[random.Next(UkFirst.Length)];
        var last = european ? EuLast[random.Next(EuLast.Length)] : UkLast[random.Next(UkLast.Length)];
        var email = $"{Ascii(first)}.{Ascii(last)}{random.Next(10, 9999).ToString(CultureInfo.InvariantCulture)}@{Domains[random.Next(Domains.Length)]}".ToLowerInvariant();
        var phone = "07" + random.NextInt64(100_000_000, 999_999_999).ToString(CultureInfo.InvariantCulture);
        var devices = Enumerable.Range(0, 1 + random.Next(3)).Select(_ => "dev-" + random.NextInt64().ToString("x12", CultureInfo.InvariantCulture)).ToArray();
        return new Person(id, first, last, random.Next(1940, 2005), random.Next(2) == 0 ? "female" : "male", email, phone, devices);
    }

    private static UserRecordJson SecondAccount(string id, Person person, string plant, Random random)
    {
        var other = NewPerson(id, "United Kingdom", random);
        var sharedDevice = person.Devices[random.Next(person.Devices.Length)];
        return plant switch
        {
            "same-email" => new UserRecordJson(id, Recase(person.Email, random), null, Typo(person.First + " " + person.Last, random), null, person.Gender, other.Devices),
            "same-phone" => new UserRecordJson(id, other.Email, Format(person.Phone, random.Next(3)), person.First + " " + person.Last, person.BirthYear, null, other.Devices),
            "name-birth-year-device" => new UserRecordJson(id, other.Email, Format(other.Phone, 0), Respell(person, random), person.BirthYear, person.Gender, [sharedDevice.ToUpperInvariant(), other.Devices[0]]),
            _ => new UserRecordJson(id, other.Email, Format(other.Phone, 0), Typo(person.First + " " + person.Last, random), person.BirthYear, person.Gender, [sharedDevice, other.Devices[0]]),
        };
    }

    /// <summary>The same digits written three ways: 07700 900123, 07700-900-123, (07700) 900123.</summary>
    private static string Format(string phone, int style) => style switch
    {
        0 => phone[..5] + " " + phone[5..],
        1 => phone[..5] + "-" + phone[5..8] + "-" + phone[8..],
        _ => "(" + phone[..5] + ") " + phone[5..],
    };

    private static string Recase(string email, Random random) => random.Next(2) == 0 ? email.ToUpperInvariant() : char.ToUpperInvariant(email[0]) + email[1..];

    /// <summary>The same name in another case, order or without its accents (all of which normalisation undoes).</summary>
    private static string Respell(Person person, Random random) => random.Next(3) switch
    {
        0 => (person.First + " " + person.Last).ToUpperInvariant(),
        1 => person.Last + ", " + person.First,
        _ => Ascii(person.First) + " " + Ascii(person.Last),
    };

    /// <summary>One letter doubled, dropped or swapped with its neighbour (what normalisation cannot undo).</summary>
    private static string Typo(string name, Random random)
    {
        var at = 1 + random.Next(name.Length - 2);
        while (!char.IsLetter(name[at]) || !char.IsLetter(name[at + 1]) || name[at] == name[at + 1])
        {
            at = 1 + random.Next(name.Length - 2);
        }

        return random.Next(3) switch
        {
            0 => name[..at] + name[at] + name[at..],
            1 => name[..at] + name[(at + 1)..],
            _ => name[..at] + name[at + 1] + name[at] + name[(at + 2)..],
        };
    }

    /// <summary>How a person writes a name on an ASCII keyboard: accents dropped, ø, ł, ß and æ spelt o, l, ss and ae.</summary>
    private static string Ascii(string text) => new([.. text.Replace("ß", "ss", StringComparison.Ordinal).Replace("æ", "ae", StringComparison.Ordinal)
        .Replace('ø', 'o').Replace('Ø', 'O').Replace('ł', 'l').Replace('Ł', 'L')
        .Normalize(System.Text.NormalizationForm.FormKD).Where(c => c < 128 && char.IsLetter(c))]);
}
