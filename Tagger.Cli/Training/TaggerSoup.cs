using Esrs.Tagging.Model;
using static TorchSharp.torch;

namespace Esrs.Tagging.Training;

/// <summary>
/// A "model soup" (Wortsman et al., 2022): the element-wise mean of the weights of models fine-tuned from the same
/// pretrained weights and the same head initialisation. One model to serve, at the cost of one.
/// </summary>
public static class TaggerSoup
{
    /// <summary>Overwrites <paramref name="into"/>'s parameters with the mean of its own and <paramref name="others"/>'.</summary>
    public static void Average(BertTokenClassifier into, IReadOnlyList<BertTokenClassifier> others)
    {
        ArgumentNullException.ThrowIfNull(into);
        ArgumentNullException.ThrowIfNull(others);
        using var noGrad = no_grad();
        var byName = others.Select(o => o.named_parameters().ToDictionary(p => p.name, p => p.parameter, StringComparer.Ordinal)).ToList();
        foreach (var (name, parameter) in into.named_parameters())
        {
            foreach (var other in byName)
            {
                if (!other.TryGetValue(name, out var value) || !value.shape.SequenceEqual(parameter.shape))
                {
                    throw new ArgumentException($"The models do not share parameter {name}: a soup needs models of one shape and label set.", nameof(others));
                }

                parameter.add_(value.to(parameter.device));
            }

            parameter.div_(others.Count + 1);
        }
    }
}
