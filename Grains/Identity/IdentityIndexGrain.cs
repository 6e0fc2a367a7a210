namespace Esrs.Identity;

/// <summary>The state of one identifier's index: its members, or none once it is a hub.</summary>
[GenerateSerializer, Alias("esrs.identity-index-state")]
public sealed class IdentityIndexState
{
    [Id(0)] public List<string> Members { get; set; } = [];

    [Id(1)] public bool Hub { get; set; }
}

/// <summary>The users holding one pseudonymised identifier (<see cref="IIdentityIndexGrain"/>), by <see cref="IdentityIndex"/>'s rule.</summary>
public sealed class IdentityIndexGrain([PersistentState("index", StorageNames.Identity)] IPersistentState<IdentityIndexState> state) : Grain, IIdentityIndexGrain
{
    public async Task<IReadOnlyList<string>> JoinAsync(string userId)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        var others = IdentityIndex.Join(state.State.Hub ? null : state.State.Members, userId, out var hub, out var changed);
        if (changed)
        {
            if (hub)
            {
                // A hub keeps no member list: nobody is found through it again, and it holds no user ids.
                (state.State.Hub, state.State.Members) = (true, []);
            }

            await state.WriteStateAsync();
        }

        return others;
    }

    public async Task LeaveAsync(string userId)
    {
        if (!state.State.Members.Remove(userId))
        {
            return;
        }

        if (state.State.Members.Count == 0 && !state.State.Hub)
        {
            // Nobody holds the identifier any more: the row goes (its key is a pseudonym of it).
            await state.ClearStateAsync();
            this.DeactivateOnIdle();
        }
        else
        {
            await state.WriteStateAsync();
        }
    }
}
