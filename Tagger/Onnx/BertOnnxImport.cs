namespace Esrs.Tagging.Onnx;

/// <summary>Maps the initializers of a BERT encoder exported to ONNX (as all-MiniLM-L6-v2's <c>model.onnx</c>) onto HuggingFace parameter names.</summary>
public static class BertOnnxImport
{
    /// <summary>
    /// Named initializers keep their names. The MatMul weights are anonymous and stored [in, out]: each is named after
    /// the <c>.bias</c> initializer that the Add node consuming its MatMul's output adds, and transposed.
    /// </summary>
    public static Dictionary<string, OnnxTensor> ToBertNames(OnnxGraph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var weights = graph.Initializers.Values
            .Where(t => t.Name.StartsWith("embeddings.", StringComparison.Ordinal) || t.Name.StartsWith("encoder.", StringComparison.Ordinal))
            .ToDictionary(t => t.Name, StringComparer.Ordinal);
        var producers = graph.Nodes.Where(n => n.OpType == "MatMul").SelectMany(n => n.Outputs.Select(o => (o, n))).ToDictionary(p => p.o, p => p.n, StringComparer.Ordinal);
        var anonymous = graph.Initializers.Keys.Where(k => !k.Contains('.', StringComparison.Ordinal)).ToHashSet(StringComparer.Ordinal);
        var resolved = 0;
        foreach (var add in graph.Nodes.Where(n => n.OpType == "Add" && n.Inputs.Count == 2))
        {
            var bias = add.Inputs.FirstOrDefault(i => i.EndsWith(".bias", StringComparison.Ordinal) && weights.ContainsKey(i));
            var other = add.Inputs.FirstOrDefault(i => i != bias);
            if (bias is null || other is null || !producers.TryGetValue(other, out var matmul) || matmul.Inputs.Count != 2 || !anonymous.Contains(matmul.Inputs[1]))
            {
                continue;
            }

            var stored = graph.Initializers[matmul.Inputs[1]];
            var name = bias[..^".bias".Length] + ".weight";
            weights[name] = new OnnxTensor(name, [stored.Shape[1], stored.Shape[0]], Transpose(stored.Values, (int)stored.Shape[0], (int)stored.Shape[1]));
            resolved++;
        }

        return resolved == 0 ? throw new FormatException("No MatMul weight of the ONNX graph could be named through its bias Add.") : weights;
    }

    private static float[] Transpose(float[] values, int rows, int columns)
    {
        var result = new float[values.Length];
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < columns; c++)
            {
                result[(c * rows) + r] = values[(r * columns) + c];
            }
        }

        return result;
    }
}
