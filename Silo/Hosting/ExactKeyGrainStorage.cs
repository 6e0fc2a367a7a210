using Orleans.Storage;

namespace Esrs.Silo.Hosting;

/// <summary>
/// Hands Orleans' ADO.NET grain storage a key it cannot misread. That provider reads a string grain key as a GUID or a
/// hexadecimal number whenever it parses as one (dotnet/orleans#9706), so <c>20235</c> and <c>020235</c>, or <c>abc</c>
/// and <c>ABC</c>, would share one row. Every key is prefixed here with <c>esrs:</c>, which is neither hexadecimal nor a
/// GUID, so the provider always takes its string-key path and finds the row by the exact key string.
/// <para>
/// A key no row can hold (longer than <see cref="MaxKeyLength"/> characters, or holding NUL, which PostgreSQL text
/// cannot) is never sent to the database: reading it finds nothing and writing it is refused with an
/// <see cref="ArgumentException"/>, so such a grain answers at once instead of failing on every call.
/// </para>
/// </summary>
/// <param name="inner">The storage that holds the rows.</param>
/// <param name="prefixKeys">
/// Whether <paramref name="inner"/> needs the <c>esrs:</c> prefix (the ADO.NET provider); Esrs's own group-commit storage
/// keys rows by the exact string already and takes the key as is.
/// </param>
public sealed class ExactKeyGrainStorage(IGrainStorage inner, bool prefixKeys = true) : IGrainStorage
{
    /// <summary>Longest key stored, in characters (the row's key column holds 512, the prefix included).</summary>
    public const int MaxKeyLength = 500;

    /// <summary>What the inner storage's key starts with (<see cref="StorageId"/>).</summary>
    public const string KeyPrefix = "esrs:";

    private static readonly byte[] Prefix = System.Text.Encoding.UTF8.GetBytes(KeyPrefix);

    /// <summary>True when a row can hold <paramref name="grainId"/>'s key exactly.</summary>
    public static bool CanStore(GrainId grainId)
    {
        var key = grainId.Key.AsSpan();
        return key.IndexOf((byte)0) < 0 && System.Text.Encoding.UTF8.GetCharCount(key) <= MaxKeyLength;
    }

    /// <summary>The grain id the inner storage sees for <paramref name="grainId"/>: same type, key <c>esrs:</c> + the exact key bytes.</summary>
    public static GrainId StorageId(GrainId grainId)
    {
        var key = grainId.Key.AsSpan();
        var bytes = new byte[Prefix.Length + key.Length];
        Prefix.CopyTo(bytes, 0);
        key.CopyTo(bytes.AsSpan(Prefix.Length));
        return new GrainId(grainId.Type, new IdSpan(bytes));
    }

    private GrainId Id(GrainId grainId) => prefixKeys ? StorageId(grainId) : grainId;

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        CanStore(grainId) ? Guard(inner.ReadStateAsync(stateName, Id(grainId), grainState), "reading", grainId) : Task.CompletedTask;

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        CanStore(grainId) ? Guard(inner.WriteStateAsync(stateName, Id(grainId), grainState), "writing", grainId) : Refuse(grainId);

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        CanStore(grainId) ? Guard(inner.ClearStateAsync(stateName, Id(grainId), grainState), "clearing", grainId) : Refuse(grainId);

    /// <summary>
    /// The database's own exceptions (Npgsql, SQLite) cannot travel in Orleans messages: callers would see a codec error
    /// instead of "storage is down". They become <see cref="Users.StateUnavailableException"/> (retry later); Orleans' own
    /// exceptions, such as the version conflict, pass unchanged.
    /// </summary>
    private static async Task Guard(Task call, string what, GrainId grainId)
    {
        try
        {
            await call;
        }
        catch (Exception ex) when (ex is not OrleansException and not ArgumentException and not OperationCanceledException)
        {
            throw new Users.StateUnavailableException($"Storage failed {what} the state of {grainId.Type} ({ex.GetType().Name}: {ex.Message}); retry later.");
        }
    }

    private static Task Refuse(GrainId grainId) =>
        Task.FromException(new ArgumentException($"The key of grain {grainId.Type} ({grainId.Key.AsSpan().Length} bytes) cannot be stored: at most {MaxKeyLength} characters and no NUL."));
}
