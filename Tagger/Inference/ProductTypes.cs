using System.Collections.Frozen;
using Esrs.Tagging.Data;

namespace Esrs.Tagging.Inference;

/// <summary>
/// The attributes each product type's titles are labelled with in training (OA-Mine's Tea has TEA_VARIETY and no SCENT,
/// Shoes has SHOE_TYPE and no FLAVOR): an attribute schema per product type, as a catalogue keeps one. Given a title's
/// product type, <see cref="Tagger.Tag"/> chooses among that type's attributes only, and when the model was trained with
/// types before some titles (<see cref="InInput"/>), shows it the type too. Titles of no known type (queries, other
/// catalogues' items) are tagged as before, over every attribute.
/// </summary>
public sealed class ProductTypes
{
    private readonly Dictionary<string, (string Name, FrozenSet<string> Attributes)> _types;

    /// <param name="attributes">
    /// Attribute names by product type. Type names compare without case (two spellings of one type are one type, their
    /// attributes together); attribute names are read as the label map writes them (<c>Tea variety</c> is <c>TEA_VARIETY</c>).
    /// </param>
    /// <param name="inInput">Whether the model was trained with the type before the title (<see cref="Prefix"/>).</param>
    public ProductTypes(IReadOnlyDictionary<string, IReadOnlyCollection<string>> attributes, bool inInput = false)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        _types = attributes.GroupBy(p => p.Key, StringComparer.OrdinalIgnoreCase).ToDictionary(
            g => g.Key,
            g => (g.Select(p => p.Key).Min(StringComparer.Ordinal)!, g.SelectMany(p => p.Value).Select(LabelMap.Normalize).ToFrozenSet(StringComparer.Ordinal)),
            StringComparer.OrdinalIgnoreCase);
        InInput = inInput;
    }

    /// <summary>The schema labelled titles show: every attribute any title of a type carries is an attribute of that type.</summary>
    public static ProductTypes FromTitles(IEnumerable<(string Type, IEnumerable<string> Attributes)> titles, bool inInput = false)
    {
        ArgumentNullException.ThrowIfNull(titles);
        // Spellings of one type that differ in case are merged by the constructor.
        return new ProductTypes(titles.GroupBy(t => t.Type, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (IReadOnlyCollection<string>)[.. g.SelectMany(t => t.Attributes)], StringComparer.Ordinal), inInput);
    }

    /// <summary>Whether the model was trained with some titles behind their type (<see cref="Prefix"/>), and is shown it when known.</summary>
    public bool InInput { get; }

    /// <summary>What goes before a title to show the model its type: the type's name and a bar (<c>Tea | </c>).</summary>
    public static string Prefix(string type)
    {
        ArgumentNullException.ThrowIfNull(type);
        return type + " | ";
    }

    /// <summary>The known product types, in order.</summary>
    public IReadOnlyList<string> Names => [.. _types.Values.Select(t => t.Name).Order(StringComparer.Ordinal)];

    /// <summary>The attributes of <paramref name="type"/>; null for no type or one this schema does not know (decode over all).</summary>
    public IReadOnlySet<string>? AttributesOf(string? type) =>
        type is not null && _types.TryGetValue(type, out var known) ? known.Attributes : null;

    /// <summary><paramref name="type"/> as the schema spells it (as training showed it to the model), or null when unknown.</summary>
    public string? NameOf(string? type) => type is not null && _types.TryGetValue(type, out var known) ? known.Name : null;

    /// <summary>The schema as plain collections, in order (what a checkpoint stores).</summary>
    public SortedDictionary<string, string[]> ToSorted()
    {
        var sorted = new SortedDictionary<string, string[]>(StringComparer.Ordinal);
        foreach (var (name, attributes) in _types.Values)
        {
            sorted[name] = [.. attributes.Order(StringComparer.Ordinal)];
        }

        return sorted;
    }
}
