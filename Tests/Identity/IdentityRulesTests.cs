using Esrs.Identity;

namespace Esrs.Tests.Identity;

/// <summary>The linking rules on hand-made pseudonymised records: each evidence kind, the near misses, hubs.</summary>
public sealed class IdentityRulesTests
{
    private static PseudonymRecord Record(string user, string? email = null, string? phone = null, string? name = null, int? year = null, string key = "k1", params string[] devices) =>
        new(user, key, email, phone, name, year, null, devices, "test", DateTime.UnixEpoch);

    [Fact]
    public void EachKindOfEvidenceLinksAndItsNearMissesDoNot()
    {
        Assert.Equal(LinkEvidence.Email, IdentityRules.Evidence(Record("a", email: "E"), Record("b", email: "E", phone: "P2")));
        Assert.Equal(LinkEvidence.Phone, IdentityRules.Evidence(Record("a", email: "E1", phone: "P"), Record("b", email: "E2", phone: "P")));
        Assert.Equal(LinkEvidence.NameBirthYearDevice, IdentityRules.Evidence(Record("a", name: "N", year: 1980, devices: ["d1", "d2"]), Record("b", name: "N", year: 1980, devices: ["d2"])));

        // A name and birth year are shared by strangers, a device by a family: neither alone links.
        Assert.Null(IdentityRules.Evidence(Record("a", name: "N", year: 1980, devices: ["d1"]), Record("b", name: "N", year: 1980, devices: ["d9"])));
        Assert.Null(IdentityRules.Evidence(Record("a", name: "N", year: 1980, devices: ["d1"]), Record("b", name: "M", year: 1980, devices: ["d1"])));
        Assert.Null(IdentityRules.Evidence(Record("a", name: "N", year: 1980, devices: ["d1"]), Record("b", name: "N", year: 1981, devices: ["d1"])));
        Assert.Null(IdentityRules.Evidence(Record("a", name: "N", devices: ["d1"]), Record("b", name: "N", devices: ["d1"])));
        // Pseudonyms under two keys never meet; a record never links to itself.
        Assert.Null(IdentityRules.Evidence(Record("a", email: "E"), Record("b", email: "E", key: "k2")));
        Assert.Null(IdentityRules.Evidence(Record("a", email: "E"), Record("a", email: "E")));
    }

    [Fact]
    public void TheLinkerJoinsPersonsTransitivelyAndAHubLinksNobodyPastItsLimit()
    {
        var linker = new IdentityLinker();
        linker.Add(Record("a", email: "E"));
        linker.Add(Record("b", email: "E", phone: "P"));
        linker.Add(Record("c", phone: "P"));
        linker.Add(Record("x", email: "X"));
        Assert.Equal([("b", "a", LinkEvidence.Email), ("c", "b", LinkEvidence.Phone)], linker.Links);
        Assert.Equal("a", linker.PersonOf("c"));
        Assert.Equal("x", linker.PersonOf("x"));

        // 20 users on one phone link among themselves as they come; the 21st finds a hub and nobody.
        var hub = new IdentityLinker();
        for (var i = 0; i < IdentityRules.MaxMembersPerIdentifier + 1; i++)
        {
            hub.Add(Record("u" + i.ToString("00", System.Globalization.CultureInfo.InvariantCulture), phone: "SHOP"));
        }

        Assert.Equal(Enumerable.Range(0, 20).Sum(), hub.Links.Count);
        Assert.Equal("u20", hub.PersonOf("u20"));
        Assert.Equal("u00", hub.PersonOf("u19"));
    }
}
