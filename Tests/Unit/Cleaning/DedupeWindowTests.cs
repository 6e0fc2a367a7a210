using Esrs.Cleaning;

namespace Esrs.Tests.Unit.Cleaning;

public sealed class DedupeWindowTests
{
    private static readonly DateTime T0 = new(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void SameIdIsADuplicateById()
    {
        var window = new DedupeWindow(new DedupeOptions());
        window.Add(1, 100, T0);

        Assert.Equal(DuplicateKind.ById, window.Check(1, 100));
        Assert.Equal(DuplicateKind.ById, window.Check(1, 999));
    }

    [Fact]
    public void SameContentUnderANewIdIsADuplicateByContent()
    {
        var window = new DedupeWindow(new DedupeOptions());
        window.Add(1, 100, T0);

        Assert.Equal(DuplicateKind.ByContent, window.Check(2, 100));
        Assert.Equal(DuplicateKind.None, window.Check(2, 101));
    }

    [Fact]
    public void IdlessEventsDedupeByContent()
    {
        var window = new DedupeWindow(new DedupeOptions());
        window.Add(0, 100, T0);

        Assert.Equal(DuplicateKind.ByContent, window.Check(0, 100));
    }

    [Fact]
    public void CountLimitForgetsTheOldestAndRaisesTheWatermark()
    {
        var window = new DedupeWindow(new DedupeOptions { MaxEvents = 3 });
        for (ulong i = 1; i <= 4; i++)
        {
            window.Add(i, 100 + i, T0.AddSeconds(i));
        }

        Assert.Equal(3, window.Count);
        // A retry of the event just forgotten is still known by id; a copy of it under a new id is not (the watermark guards that).
        Assert.Equal(DuplicateKind.ById, window.Check(1, 101));
        Assert.Equal(DuplicateKind.None, window.Check(9, 101));
        Assert.Equal(DuplicateKind.ById, window.Check(2, 102));
        Assert.True(window.IsBeyondWindow(T0.AddSeconds(1)));
        Assert.False(window.IsBeyondWindow(T0.AddSeconds(2)));
    }

    [Fact]
    public void AnEventOlderThanTheWindowOnArrivalIsKnownByIdButNotRemembered()
    {
        var window = new DedupeWindow(new DedupeOptions { Window = TimeSpan.FromDays(30) });
        window.Add(1, 101, T0.AddDays(100));
        window.Add(2, 102, T0);

        Assert.Equal(1, window.Count);
        Assert.Equal(DuplicateKind.ById, window.Check(2, 102));
        Assert.True(window.IsBeyondWindow(T0));
        Assert.Equal([2UL], window.RecentlyForgotten);

        for (ulong i = 0; i < DedupeWindow.RecentlyForgottenMemory; i++)
        {
            window.Add(1000 + i, 2000 + i, T0.AddDays(1));
        }

        // Only the last ones are kept; the window itself holds none of them.
        Assert.Equal(DuplicateKind.None, window.Check(2, 102));
        Assert.Equal(DuplicateKind.ById, window.Check(1000 + DedupeWindow.RecentlyForgottenMemory - 1, 0));
        Assert.Equal(1, window.Count);
        var restored = DedupeWindow.Unpack(window.Pack(), window.LowWatermark, window.RecentlyForgotten, new DedupeOptions { Window = TimeSpan.FromDays(30) });
        Assert.Equal(DuplicateKind.ById, restored.Check(1000, 0));
    }

    [Fact]
    public void AgeLimitForgetsEventsTooFarBehindTheNewest()
    {
        var window = new DedupeWindow(new DedupeOptions { Window = TimeSpan.FromDays(30) });
        window.Add(1, 101, T0);
        window.Add(2, 102, T0.AddDays(10));
        Assert.Equal(2, window.Count);

        window.Add(3, 103, T0.AddDays(31));

        Assert.Equal(2, window.Count);
        Assert.Equal(DuplicateKind.None, window.Check(9, 101));
        Assert.Equal([1UL], window.RecentlyForgotten);
        Assert.True(window.IsBeyondWindow(T0));
        Assert.False(window.IsBeyondWindow(T0.AddDays(1)));
    }

    [Fact]
    public void NothingIsBeyondAWindowThatForgotNothing() =>
        Assert.False(new DedupeWindow(new DedupeOptions()).IsBeyondWindow(DateTime.MinValue.AddYears(2001)));

    [Fact]
    public void PackAndUnpackKeepEveryEntryTheWatermarkAndTheRecentlyForgotten()
    {
        var options = new DedupeOptions { MaxEvents = 50 };
        var window = new DedupeWindow(options);
        for (ulong i = 1; i <= 60; i++)
        {
            window.Add(i, 1000 + i, T0.AddMinutes(i));
        }

        var packed = window.Pack();
        var restored = DedupeWindow.Unpack(packed, window.LowWatermark, window.RecentlyForgotten, options);

        Assert.Equal(50 * 20, packed.Length);
        Assert.Equal(Enumerable.Range(1, 10).Select(i => (ulong)i), restored.RecentlyForgotten);
        Assert.Equal(window.Count, restored.Count);
        Assert.Equal(window.LowWatermark, restored.LowWatermark);
        for (ulong i = 1; i <= 60; i++)
        {
            Assert.Equal(window.Check(i, 1000 + i), restored.Check(i, 1000 + i));
        }
    }

    [Fact]
    public void UnpackAppliesASmallerLimitConfiguredSinceThePack()
    {
        var window = new DedupeWindow(new DedupeOptions());
        for (ulong i = 1; i <= 10; i++)
        {
            window.Add(i, i, T0.AddSeconds(i));
        }

        var restored = DedupeWindow.Unpack(window.Pack(), window.LowWatermark, new DedupeOptions { MaxEvents = 4 });

        Assert.Equal(4, restored.Count);
        Assert.True(restored.IsBeyondWindow(T0.AddSeconds(6)));
    }

    [Fact]
    public void ReplayedEventIsNotACopyOfItself()
    {
        var window = new DedupeWindow(new DedupeOptions());
        window.Add(1, 100, T0);

        Assert.False(window.IsCopyOfAnother(1, 100));
        Assert.True(window.IsCopyOfAnother(2, 100));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void ASnapshotAndTheAddsTakenAfterItReplayToTheSameWindow(int seed)
    {
        // A small window so that random traffic forgets by count, by age and on arrival; ids and contents collide often.
        var options = new DedupeOptions { MaxEvents = 40, Window = TimeSpan.FromHours(6) };
        var random = new Random(seed);
        var live = new DedupeWindow(options);
        var (snapshot, watermark, forgotten) = (live.Pack(), live.LowWatermark, live.RecentlyForgotten.ToArray());
        var segments = new List<byte[]>();
        var clock = T0;
        for (var step = 0; step < 3_000; step++)
        {
            clock = clock.AddMinutes(random.Next(0, 20));
            var (id, content) = ((ulong)random.Next(0, 400), (ulong)random.Next(1, 300));
            var at = random.Next(10) == 0 ? clock.AddHours(-random.Next(1, 12)) : clock.AddMinutes(-random.Next(0, 60));
            if (live.Check(id, content) == DuplicateKind.None && !live.IsBeyondWindow(at))
            {
                live.Add(id, content, at);
            }

            switch (random.Next(25))
            {
                case 0:
                    // A snapshot: the window whole, as a write stores it.
                    live.TakeAdds();
                    (snapshot, watermark, forgotten) = (live.Pack(), live.LowWatermark, live.RecentlyForgotten.ToArray());
                    segments.Clear();
                    break;
                case 1 or 2 or 3:
                    Segment();
                    break;
            }

            if (step % 100 == 99)
            {
                // A write, then a reactivation: the snapshot, then every segment after it, in order.
                Segment();
                var read = DedupeWindow.Replay(snapshot, watermark, forgotten, segments.Select(a => (ReadOnlyMemory<byte>)a), options);

                Assert.Equal(live.Pack(), read.Pack());
                Assert.Equal(live.LowWatermark, read.LowWatermark);
                Assert.Equal(live.RecentlyForgotten, read.RecentlyForgotten);
                Assert.Equal(live.Newest, read.Newest);
                for (ulong probe = 0; probe < 400; probe++)
                {
                    Assert.Equal(live.Check(probe, probe % 300), read.Check(probe, probe % 300));
                }
            }
        }

        // A write that stores the adds since the last one; with more than the window holds there are none, and the write
        // stores a snapshot instead.
        void Segment()
        {
            if (live.TakeAdds() is { } adds)
            {
                segments.Add(adds);
                return;
            }

            (snapshot, watermark, forgotten) = (live.Pack(), live.LowWatermark, live.RecentlyForgotten.ToArray());
            segments.Clear();
        }
    }

    [Fact]
    public void MoreAddsThanTheWindowHoldsAreNotKept()
    {
        var window = new DedupeWindow(new DedupeOptions { MaxEvents = 3 });
        for (var i = 1; i <= 3; i++)
        {
            window.Add((ulong)i, (ulong)i, T0.AddMinutes(i));
        }

        Assert.Equal(3 * 20, window.TakeAdds()!.Length);
        for (var i = 4; i <= 7; i++)
        {
            window.Add((ulong)i, (ulong)i, T0.AddMinutes(i));
        }

        Assert.Null(window.TakeAdds());
        Assert.Empty(window.TakeAdds()!);
    }

    [Fact]
    public void UnpackRejectsATornBuffer() =>
        Assert.Throws<ArgumentException>(() => DedupeWindow.Unpack(new byte[21], -1, new DedupeOptions()));
}
