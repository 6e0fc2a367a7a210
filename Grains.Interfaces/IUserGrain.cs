using Esrs.Events;
using Esrs.Profiles;
using Esrs.Recommending;
using Esrs.Users;

namespace Esrs;

/// <summary>
/// One user of the shop, keyed by user id (see <see cref="UserGrainKeys"/>). Dedupes, validates,
/// repairs or quarantines the user's events and keeps the live profile. Every call that changes
/// state returns only after that state is durable.
/// </summary>
public interface IUserGrain : IGrainWithStringKey
{
    /// <summary>Ingests a batch of this user's events and returns one outcome per event, in order.</summary>
    Task<IngestResult> IngestAsync(IReadOnlyList<UserEvent> batch);

    /// <summary>Returns the live profile with weights decayed to now.</summary>
    Task<UserProfile> GetProfileAsync();

    /// <summary>The live profile with, per field, how it was derived (source, rule, time, model version) and every claim.</summary>
    Task<UserProfile> ExplainProfileAsync();

    /// <summary>
    /// What the user declared in the user registry (gender, birth year), as claims that outrank what events say
    /// (README "Conflicts, provenance, explain"); written before it returns.
    /// </summary>
    Task DeclareAsync(string? gender, int? birthYear, string source, DateTime at);

    /// <summary>
    /// The profile (<paramref name="explain"/>: the explained one) as the JSON the gateway returns, rendered here with
    /// <see cref="WireJson.Options"/>: one buffer crosses the hop instead of the profile's dictionaries and strings.
    /// </summary>
    Task<Utf8Json> GetProfileJsonAsync(bool explain);

    /// <summary>Returns quarantined events, oldest first, from <paramref name="offset"/>, at most <paramref name="limit"/>.</summary>
    Task<QuarantinePage> GetQuarantineAsync(int offset, int limit);

    /// <summary>Re-validates every quarantined event under the current rules and applies, exactly once, those that now pass.</summary>
    Task<ReplayResult> ReplayQuarantineAsync();

    /// <summary>
    /// Re-ranks a search engine's candidates by this user's live profile, blending in the engine's own score
    /// (<paramref name="blend"/> in 0..1: 1 keeps the engine's order). A user without a profile gets the candidates as given, flagged.
    /// </summary>
    Task<RankResult> RankAsync(IReadOnlyList<RankCandidate> candidates, double blend);

    /// <summary>
    /// <see cref="RankAsync"/> for the gateway: the request body as the frontend sent it (checked by <see cref="RankJson.Read"/>),
    /// the answer as the JSON the gateway returns. A hundred candidates and their ranked items cross the hop as two byte
    /// arrays instead of about a thousand tracked objects and strings (<c>./esrs bench rank</c> measures the difference).
    /// </summary>
    Task<Utf8Json> RankJsonAsync(Utf8Json request);

    /// <summary>
    /// Up to <paramref name="k"/> (1..100) items for this user: neighbours of the user's items in the item graph learned from
    /// cleaned purchases and carts, the user's repeat items and the popular items of the user's categories; never
    /// non-products or items the user just cancelled. A user without item history gets the popular items, flagged.
    /// </summary>
    Task<RankResult> RecommendAsync(int k);

    /// <summary><see cref="RecommendAsync"/> as the JSON the gateway returns (rendered once per cached answer).</summary>
    Task<Utf8Json> RecommendJsonAsync(int k);

    /// <summary>
    /// Erases everything the grid holds of this user (operators only, for an erasure request): profile, dedupe memory and
    /// quarantine in grain storage, spilled quarantine rows, quality examples naming the user, Redis dead letters of the
    /// user; then scrubs freed space where the store allows it (SQLite). Events arriving afterwards start a new profile.
    /// </summary>
    Task<EraseResult> EraseAsync();
}
