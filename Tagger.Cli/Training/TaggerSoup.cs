using Esrs.Tagging.Model;
using static TorchSharp.torch;

namespace Esrs.Tagging.Training;

/// <summary>
/// A "model soup" (Wortsman et al., 2022): the element-wise mean of the weights of models fine-tuned from the same
/// pretrained weights and the same head initialisation. One model to serve, at the cost of one.
/// </summary>
public static class TaggerSoup
{
    /// <summary>Overwrites <paramref name="into"/>'s parameters with the mean of its own and <paramref name="others"/>' (checked first: same names and shapes).</summary>
    public static void Average(BertTokenClassifier into, IReadOnlyList<BertTokenClassifier> others)
    {
        ArgumentNullException.ThrowIfNull(into);
        ArgumentNullException.ThrowIfNull(others);
        using var noGrad = no_grad();
        var mine = into.named_parameters().ToList();
        var byName = others.Select(o => o.named_parameters().ToDictionary(p => p.name, p => p.parameter, StringComparer.Ordinal)).ToList();
        foreach (var other in byName)
        {
            if (other.Count != mine.Count || mine.Any(p => !other.TryGetValue(p.name, out var value) || !value.shape.SequenceEqual(p.parameter.shape)))
            {
                throw new ArgumentException("The models do not share their parameters: a soup needs models of one shape and label set.", nameof(others));
            }
        }

        foreach (var (name, parameter) in mine)
        {
            foreach (var other in byName)
            {
                using var scope = NewDisposeScope();
                parameter.add_(other[name].to(parameter.device));
            }

            parameter.div_(others.Count + 1);
        }
    }
}
