using System.IO.Hashing;
using System.Text;
using Esrs.Tagging.Data;

namespace Esrs.Tagging.Training;

/// <summary>
/// The dev split, carved from OA-Mine train (the test split is never used to choose anything): about 14 % of the train
/// titles, chosen by a hash of the title id, so every run and every seed sees the same split.
/// </summary>
public static class DevSplit
{
    /// <summary>Share of train titles held out, in percent.</summary>
    public const int Percent = 14;

    public static bool IsDev(OaMineTitle title)
    {
        ArgumentNullException.ThrowIfNull(title);
        return title.Split == "train" && XxHash32.HashToUInt32(Encoding.UTF8.GetBytes(title.Id)) % 100 < Percent;
    }

    /// <summary>The train split less the dev titles, and the dev titles.</summary>
    public static (List<OaMineTitle> Train, List<OaMineTitle> Dev) Split(IEnumerable<OaMineTitle> titles)
    {
        ArgumentNullException.ThrowIfNull(titles);
        var train = titles.Where(t => t.Split == "train").ToList();
        return ([.. train.Where(t => !IsDev(t))], [.. train.Where(IsDev)]);
    }
}
