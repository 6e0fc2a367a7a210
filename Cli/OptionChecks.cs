using System.CommandLine;
using System.CommandLine.Parsing;

namespace Esrs.Cli;

/// <summary>Range checks for whole-number options that name the option, and never trip over text that is no number (the parser reports that itself).</summary>
public static class OptionChecks
{
    /// <summary>The option's value, or null when its text does not convert.</summary>
    public static T? ValueOrNull<T>(this OptionResult result)
        where T : struct
    {
        ArgumentNullException.ThrowIfNull(result);
        try
        {
            return result.GetValueOrDefault<T?>();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>Adds an error when the option holds a whole number below <paramref name="min"/>.</summary>
    public static void AddErrorIfBelow(this OptionResult result, int min)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (result.ValueOrNull<int>() is { } value && value < min)
        {
            result.AddError(min == 1 ? $"{result.Option.Name} needs a positive whole number, not {value}." : $"{result.Option.Name} must be at least {min}, not {value}.");
        }
    }

    /// <summary>A whole-number option of at least 1, with a default.</summary>
    public static Option<int> Positive(string name, string description, int defaultValue)
    {
        var option = new Option<int>(name) { Description = description, DefaultValueFactory = _ => defaultValue };
        option.Validators.Add(result => result.AddErrorIfBelow(1));
        return option;
    }
}
