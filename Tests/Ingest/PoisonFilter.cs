using Esrs.Events;

namespace Esrs.Tests.Ingest;

/// <summary>
/// A boundary cut for the Redis tests: an incoming grain call filter that fails any user-grain ingest holding an event of
/// item <see cref="Item"/> with a non-transient error, while <see cref="Enabled"/>; an entry that no retry can fix.
/// </summary>
internal sealed class PoisonFilter : IIncomingGrainCallFilter
{
    public const string Item = "poison";

    public bool Enabled { get; set; } = true;

    public Task Invoke(IIncomingGrainCallContext context)
    {
        if (Enabled && context.Request.GetArgumentCount() > 0 && context.Request.GetArgument(0) is IReadOnlyList<UserEvent> batch && batch.Any(e => e.ItemId == Item))
        {
            throw new InvalidOperationException("this event cannot be processed (test poison)");
        }

        return context.Invoke();
    }
}
