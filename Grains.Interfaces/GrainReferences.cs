namespace Esrs;

/// <summary>
/// Grain references without Orleans' per-call reflection. <c>IGrainFactory.GetGrain&lt;T&gt;(key)</c> resolves
/// the interface's grain interface type on every call (<c>GrainInterfaceTypeResolver</c> keeps no cache: it
/// reads the interface's attributes and, without one, formats its type name), which a profile of the gateway under
/// <c>./esrs bench rank</c> found in about a third of a rank request's samples. Here each interface is resolved once per
/// process, and a reference is built from its grain id: the same reference <c>GetGrain</c> returns.
/// </summary>
public static class GrainReferences
{
    /// <summary>The reference to the grain of <typeparamref name="T"/> with this string key.</summary>
    public static T Reference<T>(this IGrainFactory grains, string key)
        where T : IGrainWithStringKey
    {
        ArgumentNullException.ThrowIfNull(grains);
        ArgumentException.ThrowIfNullOrWhiteSpace(key);
        var (type, interfaceType) = Resolved<T>.Get(grains, static g => g.GetGrain<T>("probe"));
        return (T)grains.GetGrain(GrainId.Create(type, key), interfaceType);
    }

    /// <summary>The reference to the grain of <typeparamref name="T"/> with this integer key.</summary>
    public static T Reference<T>(this IGrainFactory grains, long key)
        where T : IGrainWithIntegerKey
    {
        ArgumentNullException.ThrowIfNull(grains);
        var (type, interfaceType) = Resolved<T>.Get(grains, static g => g.GetGrain<T>(0));
        return (T)grains.GetGrain(GrainId.Create(type, GrainIdKeyExtensions.CreateIntegerKey(key)), interfaceType);
    }

    private static class Resolved<T>
    {
        // A class, so a reader never sees half of a value another thread is writing; a race only resolves it twice.
        private static Types? s_types;

        public static (GrainType Type, GrainInterfaceType InterfaceType) Get(IGrainFactory grains, Func<IGrainFactory, T> probe)
        {
            var types = s_types;
            if (types is null)
            {
                var reference = (GrainReference)(object)probe(grains)!;
                s_types = types = new Types(reference.GrainId.Type, reference.InterfaceType);
            }

            return (types.Type, types.InterfaceType);
        }
    }

    private sealed record Types(GrainType Type, GrainInterfaceType InterfaceType);
}
