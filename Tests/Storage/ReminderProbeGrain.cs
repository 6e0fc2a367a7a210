namespace Esrs.Tests.Storage;

/// <summary>A grain that registers a reminder, to prove the PostgreSQL reminder table end to end.</summary>
public interface IReminderProbeGrain : IGrainWithStringKey
{
    /// <summary>Registers a reminder and returns the names the reminder service then lists.</summary>
    Task<IReadOnlyList<string>> RegisterAsync(string name);

    /// <summary>Removes a reminder; returns the names left.</summary>
    Task<IReadOnlyList<string>> UnregisterAsync(string name);
}

public sealed class ReminderProbeGrain : Grain, IReminderProbeGrain, IRemindable
{
    public async Task<IReadOnlyList<string>> RegisterAsync(string name)
    {
        await this.RegisterOrUpdateReminder(name, TimeSpan.FromHours(1), TimeSpan.FromHours(1));
        return await NamesAsync();
    }

    public async Task<IReadOnlyList<string>> UnregisterAsync(string name)
    {
        var reminder = await this.GetReminder(name) ?? throw new InvalidOperationException($"No reminder {name}.");
        await this.UnregisterReminder(reminder);
        return await NamesAsync();
    }

    public Task ReceiveReminder(string reminderName, Orleans.Runtime.TickStatus status) => Task.CompletedTask;

    private async Task<IReadOnlyList<string>> NamesAsync() => [.. (await this.GetReminders()).Select(r => r.ReminderName).Order()];
}
