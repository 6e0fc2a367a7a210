namespace Esrs.Client.Import;

/// <summary>Keeps at most a fixed number of sends in flight; a failed send fails the import.</summary>
public sealed class BoundedSender(int maxInFlight)
{
    private readonly List<Task> _inFlight = [];

    public async Task StartAsync(Func<Task> send)
    {
        _inFlight.Add(send());
        while (_inFlight.Count >= maxInFlight)
        {
            var done = await Task.WhenAny(_inFlight);
            _inFlight.Remove(done);
            await done;
        }
    }

    public async Task DrainAsync()
    {
        await Task.WhenAll(_inFlight);
        _inFlight.Clear();
    }
}
