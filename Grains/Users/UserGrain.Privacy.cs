using Esrs.Events;
using Esrs.Profiles;
using Esrs.Quality;
using Microsoft.Extensions.Logging;

namespace Esrs.Users;

/// <summary>What the user declared in the registry, the explained profile, and erasure.</summary>
public sealed partial class UserGrain
{
    public Task<UserProfile> ExplainProfileAsync()
    {
        ThrowIfUnusable();
        if (Canonical is { } canonical)
        {
            return canonical.ExplainProfileAsync();
        }

        _dirty |= ApplyArrivedTags();
        return Task.FromResult(_processor.ExplainedProfile(Now));
    }

    public async Task DeclareAsync(string? gender, int? birthYear, string source, DateTime at)
    {
        ThrowIfUnusable();
        ThrowIfSystemGrain();
        if (Canonical is { } canonical)
        {
            await canonical.DeclareAsync(gender, birthYear, source, at);
            return;
        }

        if (_processor.Declare(gender, birthYear, source, at, profileOptions.Value.RegistryTrust))
        {
            _recommended = null;
            await PersistAsync();
        }
    }

    public async Task<EraseResult> EraseAsync()
    {
        ThrowIfUnusable();
        ThrowIfSystemGrain();

        var hadState = state.RecordExists;
        // A merged profile's counters are the person's: this user's own events are the ones logged under its id.
        var applied = state.State.ForwardTo is null && state.State.Members.Count == 0
            ? state.State.Accepted + state.State.Repaired
            : (await eventLog.ReadAsync([Key])).Count;
        var quarantined = (long)state.State.Quarantine.Count;

        // The monitors and the registry first: if anything fails below, the call is retried and these parts are done
        // again (harmlessly).
        var examples = await GrainFactory.Reference<IQualityGrain>(0).ForgetUserAsync(Key);
        var registry = GrainFactory.Reference<Identity.IRegistryGrain>(Key);
        var hadRecord = await registry.GetRecordAsync() is not null;
        // The person this user was part of, as this grain knows it (a retried erasure finds the registry entry gone) besides
        // its links: regrouped without it once, in the background, since its members may be waiting on this grain right now.
        List<string> person = [.. state.State.Members];
        if (state.State.ForwardTo is { } canonical)
        {
            person.Add(canonical);
        }

        var links = await registry.EraseAsync(person);

        // The grain's state: cleared through its storage (the version chain stays intact until the row goes), then the
        // row itself and everything else outside the grain.
        _tagging.Clear();
        _arrived.Clear();
        _recommended = null;
        try
        {
            await state.ClearStateAsync();
        }
        catch (Exception ex)
        {
            _faulted = true;
            this.DeactivateOnIdle();
            throw new StateUnavailableException($"State of user '{Key}' could not be cleared ({ex.GetType().Name}); retry the erase.", ex);
        }

        // Nothing of the old state may be served or written back: the next call starts from an empty, fresh activation.
        _faulted = true;
        this.DeactivateOnIdle();
        ErasedElsewhere elsewhere;
        try
        {
            elsewhere = await eraser.EraseAsync(Key);
        }
        catch (Exception ex)
        {
            throw new StateUnavailableException($"Stores outside the grain state of user '{Key}' could not be erased ({ex.GetType().Name}); retry the erase.", ex);
        }

        UserMetrics.Erased.Add(1);
        LogInformationErased(logger, hadState, applied, quarantined + elsewhere.SpilledRows, examples, elsewhere.DeadLetters);
        return new EraseResult(hadState, applied, quarantined, elsewhere.SpilledRows, examples, elsewhere.DeadLetters, elsewhere.Scrubbed, Now, hadRecord, links, elsewhere.ScrubPending);
    }

    // The user id stays out of the log: an erasure that logged whom it erased would keep what it removed.
    [LoggerMessage(Level = LogLevel.Information, Message = "Erased a user (state {HadState}, {Applied} applied events, {Quarantined} quarantined, {Examples} quality examples, {DeadLetters} dead letters)")]
    private static partial void LogInformationErased(ILogger logger, bool hadState, long applied, long quarantined, int examples, long deadLetters);

    /// <summary>
    /// An unattributed grain holds the events of many senders that named no valid user: nobody can declare anything for
    /// it or erase it as one person.
    /// </summary>
    private void ThrowIfSystemGrain()
    {
        if (UserGrainKeys.IsUnattributed(Key))
        {
            throw new ArgumentException($"'{Key}' is a system grain, not a user ({RuleIds.UserInvalid}); only a user can declare or be erased.");
        }
    }
}
