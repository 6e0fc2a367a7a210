using System.Globalization;

namespace Esrs.Events;

/// <summary>
/// What a user id may be. A user's grain and its stored state are found by the exact id string, so an id is refused
/// (rule <see cref="RuleIds.UserInvalid"/>) before anything is written when storage could not hold it as written:
/// longer than <see cref="MaxLength"/>, holding control characters or half of a surrogate pair (which UTF-8 cannot
/// carry, so two ids would meet in one row), or starting with <c>~</c>, the prefix of the system's own grains.
/// </summary>
public static class UserIds
{
    /// <summary>Longest user id, in UTF-16 code units.</summary>
    public const int MaxLength = 256;

    /// <summary>First character of the keys of system grains (<c>~unattributed/N</c>); no user id starts with it.</summary>
    public const char ReservedPrefix = '~';

    /// <summary>Why <paramref name="userId"/> cannot be a user id; null when it can. A blank id is "missing", not invalid: check that first.</summary>
    public static string? Problem(string userId)
    {
        ArgumentNullException.ThrowIfNull(userId);
        if (userId.Length > MaxLength)
        {
            return $"user id is {userId.Length} characters long; at most {MaxLength} are allowed";
        }

        if (userId.Length > 0 && userId[0] == ReservedPrefix)
        {
            return $"user ids may not start with '{ReservedPrefix}' (reserved for system grains)";
        }

        for (var i = 0; i < userId.Length; i++)
        {
            var c = userId[i];
            if (char.IsControl(c))
            {
                return $"user id holds the control character U+{(int)c:X4} at position {i}";
            }

            if (char.IsHighSurrogate(c) && i + 1 < userId.Length && char.IsLowSurrogate(userId[i + 1]))
            {
                i++;
                continue;
            }

            if (char.IsSurrogate(c))
            {
                return $"user id holds an unpaired surrogate U+{(int)c:X4} at position {i}";
            }
        }

        return null;
    }

    /// <summary>True when <paramref name="userId"/> is neither blank nor invalid.</summary>
    public static bool IsValid(string? userId) => !string.IsNullOrWhiteSpace(userId) && Problem(userId) is null;

    /// <summary>
    /// Why <paramref name="grainKey"/> is not the key of a user grain a caller may address (a valid user id, or one of the
    /// unattributed grains exactly as <see cref="UserGrainKeys"/> names them); null when it is.
    /// </summary>
    public static string? KeyProblem(string? grainKey)
    {
        if (string.IsNullOrWhiteSpace(grainKey))
        {
            return "user id is missing or blank";
        }

        if (UserGrainKeys.IsUnattributed(grainKey))
        {
            var shard = grainKey.AsSpan(UserGrainKeys.UnattributedPrefix.Length);
            return int.TryParse(shard, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n < UserGrainKeys.UnattributedShards
                && n.ToString(CultureInfo.InvariantCulture).AsSpan().SequenceEqual(shard)
                ? null
                : $"'{UserGrainKeys.UnattributedPrefix}' keys run from 0 to {UserGrainKeys.UnattributedShards - 1}";
        }

        return Problem(grainKey);
    }
}
