using Esrs.Events;
using Esrs.Hosting;
using Esrs.Profiles;
using Esrs.Tagging;
using Esrs.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace Esrs.Tests.TaggerPool;

/// <summary>The tagger pool in a cluster: placement on accelerator silos, and the user grain's asynchronous tagging.</summary>
public sealed class TaggerPoolClusterTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task PoolMembersGoOnlyToTheSiloThatAdvertisesAnAccelerator()
    {
        await using var cluster = await StartAsync(new DictionaryTagModel(), silos: 2, accelerator: name => name == "Silo_1");

        var placements = await Task.WhenAll(Enumerable.Range(0, 24).Select(i => cluster.Client.GetGrain<ITaggerGrain>(i).GetPlacementAsync()));

        Assert.All(placements, p => Assert.Equal(("Silo_1", true, "dict-1"), (p.Silo, p.Accelerator, p.ModelVersion)));
    }

    [Fact]
    public async Task WithoutAcceleratorsPoolMembersSpreadOverAllSilos()
    {
        await using var cluster = await StartAsync(new DictionaryTagModel(), silos: 2, accelerator: _ => false);

        var placements = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => cluster.Client.GetGrain<ITaggerGrain>(i).GetPlacementAsync()));

        // Random placement over two silos: all 40 on one silo has odds of 2 in 2^40.
        Assert.Equal(["Silo_0", "Silo_1"], placements.Select(p => p.Silo).Distinct().Order());
        Assert.All(placements, p => Assert.False(p.Accelerator));
    }

    [Fact]
    public async Task TagsOfQueriesAndTitlesEnterTheProfileWithTheModelVersionAndSurviveARestart()
    {
        var serviceId = "esrs-tags-" + Guid.NewGuid().ToString("N");
        var user = "user-" + Guid.NewGuid().ToString("N");
        await using (var cluster = await StartAsync(new DictionaryTagModel(version: "dict-7"), serviceId: serviceId))
        {
            var grain = cluster.Client.GetGrain<IUserGrain>(user);
            var result = await grain.IngestAsync(
            [
                TestEvents.Search(user, "red cotton shirt"),
                TestEvents.Purchase(user, "sku-9") with { ItemTitle = "Nike running shoe" },
                TestEvents.View(user, "sku-3"),
            ]);
            Assert.All(result.Outcomes, o => Assert.NotEqual(OutcomeKind.Quarantined, o.Kind));

            var profile = await Eventually(grain, p => p.Ingest.TaggedEvents == 2);

            Assert.Equal(0, profile.Ingest.UntaggedEvents);
            Assert.Equal(["BRAND=nike", "COLOR=red", "MATERIAL=cotton"], profile.Attributes.Select(a => $"{a.Label}={a.Value}").Order());
            // A purchase weighs five times a search: nike ranks first.
            Assert.Equal("nike", profile.Attributes[0].Value);
            Assert.Equal(("dict-7", RuleIds.ProfileFromTagger, "test"), (profile.Provenance[ProfileFields.Attributes].ModelVersion, profile.Provenance[ProfileFields.Attributes].RuleId, profile.Provenance[ProfileFields.Attributes].Source));
        }

        await using (var cluster = await StartAsync(new UnavailableTagModel("down"), serviceId: serviceId))
        {
            var profile = await cluster.Client.GetGrain<IUserGrain>(user).GetProfileAsync();

            Assert.Equal(3, profile.Attributes.Count);
            Assert.Equal(2, profile.Ingest.TaggedEvents);
        }
    }

    [Fact]
    public async Task IngestSucceedsWhenTheTaggerIsDownAndCountsTheEventsUntagged()
    {
        await using var cluster = await StartAsync(new UnavailableTagModel("no checkpoint"));
        var user = "user-" + Guid.NewGuid().ToString("N");
        var grain = cluster.Client.GetGrain<IUserGrain>(user);

        var result = await grain.IngestAsync([TestEvents.Search(user, "red shirt"), TestEvents.Search(user, "blue shirt")]);

        Assert.All(result.Outcomes, o => Assert.Equal(OutcomeKind.Accepted, o.Kind));
        var profile = await Eventually(grain, p => p.Ingest.UntaggedEvents == 2);
        Assert.Empty(profile.Attributes);
        Assert.Equal(2, profile.Counts[EventType.Search]);
    }

    [Fact]
    public async Task AfterARefusalTheSiloStopsAskingForTheBackOffAndCountsUntaggedAtNoCost()
    {
        var model = new DictionaryTagModel { Fail = true };
        await using var cluster = await StartAsync(model, configure: t => t.UnavailableBackoff = TimeSpan.FromMinutes(5));
        var user = "user-" + Guid.NewGuid().ToString("N");
        var grain = cluster.Client.GetGrain<IUserGrain>(user);

        await grain.IngestAsync([TestEvents.Search(user, "red shirt")]);
        await Eventually(grain, p => p.Ingest.UntaggedEvents == 1);
        await grain.IngestAsync([TestEvents.Search(user, "blue shirt"), TestEvents.Search(user, "nike shoe")]);
        var profile = await Eventually(grain, p => p.Ingest.UntaggedEvents == 3);

        Assert.Single(model.BatchSizes);
        Assert.Equal(0, profile.Ingest.TaggedEvents);
    }

    [Fact]
    public async Task ASlowTaggerDoesNotHoldUpIngestAndTimesOutIntoTheUntaggedCounter()
    {
        var model = new DictionaryTagModel { Delay = TimeSpan.FromSeconds(3) };
        await using var cluster = await StartAsync(model, configure: t => t.CallTimeout = TimeSpan.FromMilliseconds(200));
        var user = "user-" + Guid.NewGuid().ToString("N");
        var grain = cluster.Client.GetGrain<IUserGrain>(user);

        var result = await grain.IngestAsync([TestEvents.Search(user, "red shirt")]);
        var second = await grain.IngestAsync([TestEvents.View(user, "sku-2")]);

        Assert.Equal(OutcomeKind.Accepted, result.Outcomes.Single().Kind);
        Assert.Equal(OutcomeKind.Accepted, second.Outcomes.Single().Kind);
        var profile = await Eventually(grain, p => p.Ingest.UntaggedEvents == 1);
        Assert.Equal(0, profile.Ingest.TaggedEvents);
    }

    [Fact]
    public async Task TextsOfACallerThatTimedOutNeverReachTheModel()
    {
        using var gate = new ManualResetEventSlim();
        var model = new DictionaryTagModel { Gate = gate };
        await using var cluster = await StartAsync(model, configure: t => (t.CallTimeout, t.UnavailableBackoff, t.MaxBatchSize, t.MaxDelay) =
            (TimeSpan.FromMilliseconds(300), TimeSpan.Zero, 1, TimeSpan.Zero));
        var (first, second, third) = ("user-" + Guid.NewGuid().ToString("N"), "user-" + Guid.NewGuid().ToString("N"), "user-" + Guid.NewGuid().ToString("N"));

        // The first user's text holds the model; the second's queues behind it; both callers give up after 300 ms.
        await cluster.Client.GetGrain<IUserGrain>(first).IngestAsync([TestEvents.Search(first, "red shirt")]);
        for (var i = 0; i < 200 && model.BatchSizes.IsEmpty; i++)
        {
            await Task.Delay(20);
        }

        await cluster.Client.GetGrain<IUserGrain>(second).IngestAsync([TestEvents.Search(second, "blue shirt")]);
        await Eventually(cluster.Client.GetGrain<IUserGrain>(first), p => p.Ingest.UntaggedEvents == 1);
        await Eventually(cluster.Client.GetGrain<IUserGrain>(second), p => p.Ingest.UntaggedEvents == 1);
        // The caller's own cancellation reaches the pool member a message later: wait until the queue let the text go.
        var batcher = cluster.Silos[0].ServiceProvider.GetRequiredService<TagBatcher>();
        for (var i = 0; i < 200 && batcher.QueuedTexts > 0; i++)
        {
            await Task.Delay(20);
        }

        Assert.Equal(0, batcher.QueuedTexts);
        gate.Set();

        // A later text is tagged; the queue is first in, first out, so had the second text stayed queued it would have run first.
        await cluster.Client.GetGrain<IUserGrain>(third).IngestAsync([TestEvents.Search(third, "nike shoe")]);
        await Eventually(cluster.Client.GetGrain<IUserGrain>(third), p => p.Ingest.TaggedEvents == 1);
        Assert.Equal(["red shirt", "nike shoe"], model.RunTexts);
    }

    [Fact]
    public async Task ATextTaggedBeforeIsTaggedFromTheSilosCacheEvenWhileThePoolIsBackedOff()
    {
        var model = new DictionaryTagModel();
        await using var cluster = await StartAsync(model, configure: t => t.UnavailableBackoff = TimeSpan.FromMinutes(5));
        var users = Enumerable.Range(0, 4).Select(_ => "user-" + Guid.NewGuid().ToString("N")).ToArray();
        IUserGrain User(int i) => cluster.Client.GetGrain<IUserGrain>(users[i]);

        await User(0).IngestAsync([TestEvents.Search(users[0], "red shirt")]);
        await Eventually(User(0), p => p.Ingest.TaggedEvents == 1);
        // The model fails from now on: the next text is refused and the silo backs off for five minutes.
        model.Fail = true;
        await User(1).IngestAsync([TestEvents.Search(users[1], "blue shirt")]);
        await Eventually(User(1), p => p.Ingest.UntaggedEvents == 1);

        // Backed off, yet a text tagged before is tagged, with the model's version; a new one is not.
        await User(2).IngestAsync([TestEvents.Search(users[2], "red shirt")]);
        await User(3).IngestAsync([TestEvents.Search(users[3], "nike shoe")]);
        var tagged = await Eventually(User(2), p => p.Ingest.TaggedEvents == 1);
        await Eventually(User(3), p => p.Ingest.UntaggedEvents == 1);
        Assert.Equal(["COLOR=red"], tagged.Attributes.Select(a => $"{a.Label}={a.Value}"));
        Assert.Equal("dict-1", tagged.Provenance[ProfileFields.Attributes].ModelVersion);
        Assert.Equal(["red shirt", "blue shirt"], model.RunTexts);
    }

    [Fact]
    public async Task ANewModelVersionEmptiesTheSilosCacheSoNoTextKeepsTheOldModelsAnswer()
    {
        var model = new DictionaryTagModel();
        await using var cluster = await StartAsync(model);
        var users = Enumerable.Range(0, 3).Select(_ => "user-" + Guid.NewGuid().ToString("N")).ToArray();
        IUserGrain User(int i) => cluster.Client.GetGrain<IUserGrain>(users[i]);

        await User(0).IngestAsync([TestEvents.Search(users[0], "red shirt")]);
        var first = await Eventually(User(0), p => p.Ingest.TaggedEvents == 1);
        Assert.Equal("dict-1", first.Provenance[ProfileFields.Attributes].ModelVersion);

        // A new model: the first answer it gives (a new text) replaces the cache, so the text tagged before runs again.
        model.Version = "dict-2";
        await User(1).IngestAsync([TestEvents.Search(users[1], "blue shirt")]);
        await Eventually(User(1), p => p.Ingest.TaggedEvents == 1);
        await User(2).IngestAsync([TestEvents.Search(users[2], "red shirt")]);
        var again = await Eventually(User(2), p => p.Ingest.TaggedEvents == 1);

        Assert.Equal("dict-2", again.Provenance[ProfileFields.Attributes].ModelVersion);
        Assert.Equal(["red shirt", "blue shirt", "red shirt"], model.RunTexts);
    }

    [Fact]
    public async Task ARefusalsTimeToAskAgainCrossesTheWire()
    {
        await using var cluster = await StartAsync(new DictionaryTagModel());
        var serializer = cluster.Client.ServiceProvider.GetRequiredService<Orleans.Serialization.Serializer>();

        // As a grain call's response carries it: typed as Exception.
        var copy = serializer.Deserialize<Exception>(serializer.SerializeToArray<Exception>(new TaggerUnavailableException("behind") { RetryAfter = TimeSpan.FromMilliseconds(1_500) }));
        var none = serializer.Deserialize<Exception>(serializer.SerializeToArray<Exception>(new TaggerUnavailableException("no model")));

        Assert.Equal(TimeSpan.FromMilliseconds(1_500), Assert.IsType<TaggerUnavailableException>(copy).RetryAfter);
        Assert.Equal("behind", copy.Message);
        Assert.Null(Assert.IsType<TaggerUnavailableException>(none).RetryAfter);
    }

    [Fact]
    public async Task TheSilosModelIsLoadedOnceOnFirstUseAndNotOnTheGrainScheduler()
    {
        var loads = 0;
        TaskScheduler? loadedOn = null;
        var model = new DictionaryTagModel();
        await using var cluster = await EsrsCluster.StartAsync(
            EsrsCluster.Sqlite(_directory.Path),
            "esrs-tagger-" + Guid.NewGuid().ToString("N"),
            o => o.Tagger.Configure(t => t.Enabled = true),
            1,
            (_, silo) => silo.AddEsrsTagging(false, _ =>
            {
                Interlocked.Increment(ref loads);
                loadedOn = TaskScheduler.Current;
                return model;
            }));

        // No pool member yet, no model: a silo that hosts none never loads one.
        Assert.Equal(0, loads);
        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(i => cluster.Client.GetGrain<ITaggerGrain>(i).TagAsync(["red shirt"])));

        Assert.All(results, r => Assert.Equal(["COLOR"], Assert.Single(r.Tags).Select(t => t.Label)));
        // Four members activated at once; the model was built on the thread pool, not on an activation's scheduler.
        Assert.Same(TaskScheduler.Default, loadedOn);
    }

    [Fact]
    public async Task ATextTheModelFailedOnIsAskedAgainWhileOneItTaggedComesFromTheCache()
    {
        var model = new DictionaryTagModel { FailOn = "poison" };
        await using var cluster = await StartAsync(model, configure: t => t.MaxDelay = TimeSpan.Zero);
        var users = Enumerable.Range(0, 3).Select(_ => "user-" + Guid.NewGuid().ToString("N")).ToArray();
        IUserGrain User(int i) => cluster.Client.GetGrain<IUserGrain>(users[i]);

        await User(0).IngestAsync([TestEvents.Search(users[0], "poison pill"), TestEvents.Search(users[0], "red sock")]);
        await Eventually(User(0), p => p.Ingest.TaggedEvents == 2);
        var (poisonRuns, redRuns) = (model.RunTexts.Count(t => t == "poison pill"), model.RunTexts.Count(t => t == "red sock"));
        await User(1).IngestAsync([TestEvents.Search(users[1], "poison pill"), TestEvents.Search(users[1], "blue sock")]);
        await User(2).IngestAsync([TestEvents.Search(users[2], "red sock")]);
        await Eventually(User(1), p => p.Ingest.TaggedEvents == 2);
        var cached = await Eventually(User(2), p => p.Ingest.TaggedEvents == 1);

        // The failed text ran again; the tagged one did not.
        Assert.True(model.RunTexts.Count(t => t == "poison pill") > poisonRuns, "the text the model failed on was answered from the cache");
        Assert.Equal(redRuns, model.RunTexts.Count(t => t == "red sock"));
        Assert.Equal(["COLOR=red"], cached.Attributes.Select(a => $"{a.Label}={a.Value}"));
    }

    private Task<InProcessTestCluster> StartAsync(ITagModel model, short silos = 1, Func<string, bool>? accelerator = null, string? serviceId = null, Action<TaggerOptions>? configure = null)
    {
        void Tagger(TaggerOptions t)
        {
            t.Enabled = true;
            t.PoolSize = 4;
            t.FlushInterval = TimeSpan.FromMilliseconds(100);
            configure?.Invoke(t);
        }

        return EsrsCluster.StartAsync(
            EsrsCluster.Sqlite(_directory.Path),
            serviceId ?? "esrs-tagger-" + Guid.NewGuid().ToString("N"),
            o => o.Tagger.Configure(Tagger),
            silos,
            (name, silo) => silo.AddEsrsTagging(accelerator?.Invoke(name) ?? false, _ => model, o => o.Configure(Tagger)));
    }

    private static async Task<UserProfile> Eventually(IUserGrain grain, Func<UserProfile, bool> condition)
    {
        var profile = await grain.GetProfileAsync();
        for (var i = 0; i < 200 && !condition(profile); i++)
        {
            await Task.Delay(50);
            profile = await grain.GetProfileAsync();
        }

        Assert.True(condition(profile), "the profile never reached the expected state");
        return profile;
    }
}
