using System.CommandLine;
using System.CommandLine.Parsing;

namespace Esrs.Client.Commands;

/// <summary>Range checks for numeric options that say which option was wrong.</summary>
internal static class OptionValidation
{
    public static void AddErrorIfNotPositive(this OptionResult result, Option<int?> option)
    {
        if (result.GetValueOrDefault<int?>() is <= 0)
        {
            result.AddError($"{option.Name} needs a positive whole number.");
        }
    }

    public static void AddErrorIfNotPositive(this OptionResult result, Option<int> option)
    {
        if (result.GetValueOrDefault<int>() <= 0)
        {
            result.AddError($"{option.Name} needs a positive whole number.");
        }
    }

    public static void AddErrorIfNegative(this OptionResult result, Option<int> option)
    {
        if (result.GetValueOrDefault<int>() < 0)
        {
            result.AddError($"{option.Name} must not be negative.");
        }
    }
}
