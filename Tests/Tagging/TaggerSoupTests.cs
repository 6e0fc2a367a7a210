using Esrs.Tagging.Data;
using Esrs.Tagging.Model;
using Esrs.Tagging.Training;
using static TorchSharp.torch;

namespace Esrs.Tests.Tagging;

/// <summary>Weight averaging and encoder dropout, on tiny models whose every weight is set by hand.</summary>
public sealed class TaggerSoupTests
{
    private static readonly BertConfig Tiny = new(VocabSize: 12, HiddenSize: 8, Layers: 1, Heads: 2, IntermediateSize: 16, MaxPositions: 16);
    private static readonly LabelMap Labels = new(["X"]);

    [Fact]
    public void ASoupIsTheElementWiseMeanOfItsModels()
    {
        using var a = Filled(1f, crf: true);
        using var b = Filled(2f, crf: true);
        using var c = Filled(6f, crf: true);

        TaggerSoup.Average(a, [b, c]);

        foreach (var (name, parameter) in a.named_parameters())
        {
            Assert.All(parameter.data<float>().ToArray(), v => Assert.Equal(3f, v, 5));
            Assert.False(string.IsNullOrEmpty(name));
        }

        // The others are left as they were.
        Assert.All(b.named_parameters().SelectMany(p => p.parameter.data<float>().ToArray()), v => Assert.Equal(2f, v));
    }

    [Fact]
    public void ModelsOfAnotherShapeMakeNoSoup()
    {
        using var a = Filled(1f, crf: true);
        using var softmax = Filled(1f, crf: false);
        using var wider = new BertTokenClassifier(Tiny, new LabelMap(["X", "Y"]), crf: true);

        Assert.Throws<ArgumentException>(() => TaggerSoup.Average(a, [softmax]));
        Assert.Throws<ArgumentException>(() => TaggerSoup.Average(a, [wider]));
    }

    [Fact]
    public void EncoderDropoutActsWhileTrainingOnly()
    {
        manual_seed(5);
        using var model = new BertTokenClassifier(Tiny with { Dropout = 0.5 }, Labels);
        using var ids = tensor(new long[] { 1, 4, 7, 9, 2 }, [1, 5]);
        using var types = zeros_like(ids);
        using var mask = ones_like(ids);

        model.eval();
        using var first = model.forward(ids, types, mask);
        using var second = model.forward(ids, types, mask);
        Assert.True(first.allclose(second), "eval mode must be deterministic");

        model.train();
        // The classifier's own dropout (0.1) off: only the encoder's may change the output.
        model.named_modules().First(m => m.name == "dropout").module.eval();
        using var trainingA = model.forward(ids, types, mask);
        using var trainingB = model.forward(ids, types, mask);
        Assert.False(trainingA.allclose(trainingB), "dropout 0.5 in training mode should change the output between calls");

        using var without = new BertTokenClassifier(Tiny, Labels);
        without.train();
        var classifierDropoutOff = without.named_modules().First(m => m.name == "dropout").module;
        classifierDropoutOff.eval();
        using var plainA = without.forward(ids, types, mask);
        using var plainB = without.forward(ids, types, mask);
        Assert.True(plainA.allclose(plainB), "no encoder dropout by default");
    }

    private static BertTokenClassifier Filled(float value, bool crf)
    {
        var model = new BertTokenClassifier(Tiny, Labels, crf);
        using var noGrad = no_grad();
        foreach (var (_, parameter) in model.named_parameters())
        {
            parameter.fill_(value);
        }

        return model;
    }
}
