using Esrs.Tagging.Onnx;
using static TorchSharp.torch;

namespace Esrs.Tagging.Model;

/// <summary>Copies named weights into a module's parameters, checking that every parameter is covered with the right shape.</summary>
public static class BertWeights
{
    /// <summary>Loads <paramref name="weights"/> into <paramref name="module"/>; parameters under <paramref name="prefix"/> are looked up without it.</summary>
    public static void LoadInto(nn.Module module, IReadOnlyDictionary<string, OnnxTensor> weights, string prefix = "")
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(weights);
        var missing = new List<string>();
        using var noGrad = no_grad();
        foreach (var (name, parameter) in module.named_parameters())
        {
            if (!name.StartsWith(prefix, StringComparison.Ordinal))
            {
                continue;
            }

            if (!weights.TryGetValue(name[prefix.Length..], out var stored))
            {
                missing.Add(name);
                continue;
            }

            if (!stored.Shape.SequenceEqual(parameter.shape))
            {
                throw new FormatException($"Weight {name}: shape [{string.Join(",", stored.Shape)}] does not fit parameter [{string.Join(',', parameter.shape)}].");
            }

            using var source = tensor(stored.Values, stored.Shape);
            parameter.copy_(source);
        }

        if (missing.Count > 0)
        {
            throw new FormatException($"No weight for {missing.Count} parameter(s): {string.Join(", ", missing.Take(8))}.");
        }
    }
}
