using System.Globalization;
using System.Text;
using Esrs.Client.Gateway;
using Esrs.Datasets;

namespace Esrs.Client.Identity;

/// <summary>
/// The registry CSV (RFC 4180, UTF-8, header): <c>userId,email,phone,name,birthYear,gender,deviceIds</c>, device ids
/// separated by <c>;</c>. What <c>./esrs generate registry</c> writes and <c>./esrs import registry</c> reads.
/// </summary>
public static class RegistryCsv
{
    public static readonly string[] Header = ["userId", "email", "phone", "name", "birthYear", "gender", "deviceIds"];

    public static IEnumerable<UserRecordJson> Read(string path)
    {
        using var text = new StreamReader(path, Encoding.UTF8);
        var csv = new CsvReader(text);
        if (!csv.Read() || !csv.Fields.SequenceEqual(Header, StringComparer.OrdinalIgnoreCase))
        {
            throw new Cli.UsageException($"{path}: not a registry CSV (header {string.Join(',', Header)})");
        }

        while (csv.Read())
        {
            if (csv.Fields.Count != Header.Length)
            {
                throw new Cli.UsageException($"{path}:{csv.LineNumber}: {csv.Fields.Count} fields, not {Header.Length}");
            }

            string? Field(int i) => csv.Fields[i].Length == 0 ? null : csv.Fields[i];
            int? year = Field(4) is { } y ? int.TryParse(y, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v
                : throw new Cli.UsageException($"{path}:{csv.LineNumber}: birthYear is not a whole number") : null;
            yield return new UserRecordJson(Field(0), Field(1), Field(2), Field(3), year, Field(5),
                Field(6)?.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        }
    }

    public static void Write(TextWriter writer, IEnumerable<UserRecordJson> records)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(records);
        writer.WriteLine(string.Join(',', Header));
        foreach (var r in records)
        {
            writer.WriteLine(string.Join(',', new[]
            {
                r.UserId, r.Email, r.Phone, r.Name, r.BirthYear?.ToString(CultureInfo.InvariantCulture), r.Gender,
                r.DeviceIds is null ? null : string.Join(';', r.DeviceIds),
            }.Select(Quote)));
        }
    }

    private static string Quote(string? field) =>
        field is null ? "" : field.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + field.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : field;
}
