namespace Esrs.Client.Commands;

/// <summary>Tiny argument reader: positionals and <c>--name value</c> options; unknown options are errors.</summary>
public sealed class CommandLine
{
    private readonly Dictionary<string, string> _options = new(StringComparer.Ordinal);

    public CommandLine(IEnumerable<string> args, params string[] known)
    {
        using var e = args.GetEnumerator();
        while (e.MoveNext())
        {
            var arg = e.Current;
            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                Positionals.Add(arg);
                continue;
            }

            var name = arg[2..];
            if (!known.Contains(name))
            {
                throw new UsageException($"unknown option {arg}");
            }

            _options[name] = e.MoveNext() ? e.Current : throw new UsageException($"option {arg} needs a value");
        }
    }

    public List<string> Positionals { get; } = [];

    public string? this[string name] => _options.GetValueOrDefault(name);

    public int? Int(string name) => this[name] is not { } value ? null
        : int.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, out var n) && n > 0 ? n : throw new UsageException($"--{name} needs a positive whole number, not '{value}'");
}

/// <summary>A command line that cannot be run; the message says why.</summary>
public sealed class UsageException(string message) : Exception(message);
