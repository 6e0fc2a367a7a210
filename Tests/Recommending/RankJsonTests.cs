using System.Text;
using System.Text.Json;
using Esrs.Client.Gateway;
using Esrs.Recommending;

namespace Esrs.Tests.Recommending;

/// <summary>
/// The rank call's hand-written JSON: a body read field by field against values written by hand, the same refusals whether
/// the gateway checks it or the grain reads it, and the answer's bytes against what System.Text.Json writes with the
/// gateway's options (the contract the endpoint answered with before).
/// </summary>
public sealed class RankJsonTests
{
    [Fact]
    public void EveryFieldIsReadAsWrittenWhateverTheCaseOrEscapes()
    {
        var body = """
            {"Blend": "0.25", "candidates": [
              {"itemId": "85123A", "title": "White \u0022heart\u0022\tholder", "categoryPath": "Home / Lights", "brand": "Acme",
               "price": 2.55, "score": 0.7, "attributes": {"COLOR": "white", "Material": "tin"}},
              {"ITEMID": "caf\u00e9", "PRICE": "3", "score": null, "title": null, "attributes": null},
              {"item\u0049d": "x"}
            ]}
            """u8;

        var request = RankJson.Read(body, materialize: true, out var refusal);

        Assert.Null(refusal);
        Assert.Equal(3, request.Count);
        Assert.Equal(0.25, request.Blend);
        var first = request.Candidates![0];
        Assert.Equal(("85123A", "White \"heart\"\tholder", "Home / Lights", "Acme", 2.55m, 0.7), (first.ItemId, first.Title, first.CategoryPath, first.Brand, first.Price, first.Score));
        Assert.Equal(new Dictionary<string, string> { ["COLOR"] = "white", ["Material"] = "tin" }, first.Attributes);
        var second = request.Candidates[1];
        Assert.Equal(("café", (string?)null, 3m, (double?)null, (IReadOnlyDictionary<string, string>?)null), (second.ItemId, second.Title, second.Price, second.Score, second.Attributes));
        Assert.Equal("x", request.Candidates[2].ItemId);
    }

    [Fact]
    public void BlendDefaultsToAHalfAndTheGatewaysCheckBuildsNoCandidate()
    {
        var request = RankJson.Read("""{"candidates": [{"itemId": "a", "title": "a title"}]}"""u8, materialize: false, out var refusal);

        Assert.Null(refusal);
        Assert.Equal((1, 0.5, (RankCandidate[]?)null), (request.Count, request.Blend, request.Candidates));
    }

    [Theory]
    [InlineData("", RankJson.BodyEmpty)]
    [InlineData(" \r\n", RankJson.BodyEmpty)]
    [InlineData("{\"candidates\": [", RankJson.BodyMalformed)]
    [InlineData("[]", RankJson.BodyMalformed)]
    [InlineData("{\"candidates\": [{\"itemId\": \"a\"}]} {}", RankJson.BodyMalformed)]
    [InlineData("{\"candidates\": [{\"itemId\": \"a\", \"colour\": \"red\"}]}", RankJson.BodyMalformed)]
    [InlineData("{\"candidates\": [{\"itemId\": \"a\"}], \"limit\": 3}", RankJson.BodyMalformed)]
    [InlineData("{\"candidates\": [{\"itemId\": 7}]}", RankJson.BodyMalformed)]
    [InlineData("{\"candidates\": [{\"itemId\": \"a\", \"score\": \"high\"}]}", RankJson.BodyMalformed)]
    [InlineData("{\"candidates\": [{\"itemId\": \"a\", \"attributes\": {\"colour\": 3}}]}", RankJson.BodyMalformed)]
    [InlineData("{\"candidates\": [{\"itemId\": \"a\"}], \"candidates\": [{\"itemId\": \"b\"}]}", RankJson.BodyMalformed)]
    [InlineData("{\"candidates\": [null], \"blend\": true}", RankJson.BodyMalformed)]
    [InlineData("{\"candidates\": [{\"itemId\": \"a\"}] /* a comment */}", RankJson.BodyMalformed)]
    [InlineData("{\"candidates\": [{\"itemId\": \"\\ud800\"}]}", RankJson.BodyMalformed)]
    [InlineData("{\"candidates\": [{\"itemId\": \"a\", \"title\": \"\\udc00 lone\"}]}", RankJson.BodyMalformed)]
    [InlineData("{\"candidates\": [{\"itemId\": \"a\", \"price\": -1, \"price\": 1}]}", null)]
    [InlineData("{\"candidates\": [{\"itemId\": \"a\", \"price\": 1, \"price\": -1}]}", RankJson.CandidateInvalid)]
    [InlineData("{}", RankJson.CandidatesMissing)]
    [InlineData("{\"candidates\": null}", RankJson.CandidatesMissing)]
    [InlineData("{\"candidates\": []}", RankJson.CandidatesMissing)]
    [InlineData("{\"candidates\": [null]}", RankJson.CandidateInvalid)]
    [InlineData("{\"candidates\": [{\"itemId\": \" \"}]}", RankJson.CandidateInvalid)]
    [InlineData("{\"candidates\": [{\"itemId\": \"a\", \"price\": -0.01}]}", RankJson.CandidateInvalid)]
    [InlineData("{\"candidates\": [{\"itemId\": \"a\", \"attributes\": {\"\": \"red\"}}]}", RankJson.CandidateInvalid)]
    [InlineData("{\"candidates\": [{\"itemId\": \"a\", \"attributes\": {\"colour\": null}}]}", RankJson.CandidateInvalid)]
    [InlineData("{\"candidates\": [{\"itemId\": \"a\"}, {\"itemId\": \"a\"}]}", RankJson.ItemIdDuplicate)]
    [InlineData("{\"candidates\": [{\"itemId\": \"a\"}, {\"itemId\": \"\\u0061\"}]}", RankJson.ItemIdDuplicate)]
    [InlineData("{\"candidates\": [{\"itemId\": \"a\"}], \"blend\": -0.1}", RankJson.BlendInvalid)]
    [InlineData("{\"candidates\": [{\"itemId\": \"a\"}], \"blend\": \"1.01\"}", RankJson.BlendInvalid)]
    public void ABadBodyIsRefusedWithTheSameRuleOnEitherSide(string body, string? rule)
    {
        var bytes = Encoding.UTF8.GetBytes(body);

        RankJson.Read(bytes, materialize: false, out var checkedAtGateway);
        RankJson.Read(bytes, materialize: true, out var readInGrain);

        // A field given twice counts as its last value (null: accepted), as System.Text.Json had it.
        Assert.Equal(rule, checkedAtGateway?.Rule);
        Assert.Equal(checkedAtGateway, readInGrain);
        Assert.True(rule is null || !string.IsNullOrWhiteSpace(checkedAtGateway!.Detail));
    }

    [Theory]
    [InlineData("title")]
    [InlineData("brand")]
    [InlineData("itemId")]
    public void BytesThatAreNotUtf8AreAMalformedBodyOnEitherSide(string field)
    {
        // A raw 0xFF inside a string: the tokenizer lets it through; both sides must refuse it alike, never throw.
        var body = Encoding.UTF8.GetBytes($"{{\"candidates\": [{{\"itemId\": \"a\", \"{field}\": \"x?y\"}}]}}");
        body[Array.IndexOf(body, (byte)'?')] = 0xFF;

        RankJson.Read(body, materialize: false, out var checkedAtGateway);
        RankJson.Read(body, materialize: true, out var readInGrain);

        Assert.Equal(RankJson.BodyMalformed, checkedAtGateway?.Rule);
        Assert.Equal(RankJson.BodyMalformed, readInGrain?.Rule);
    }

    [Fact]
    public void LongTextIsCutInCharactersNotBytesAndALongItemIdIsRefused()
    {
        // 600 'é' are 1,200 UTF-8 bytes and 600 characters: the title keeps its first 512 characters; an emoji across the
        // cut is not split. An item id is never cut (it would name another item).
        string Body(string title, int idLength = 1) => JsonSerializer.Serialize(new { candidates = new[] { new { itemId = new string('a', idLength), title, brand = title } } });
        var accents = new string('é', 600);
        var emojiAcross = new string('x', 511) + "😀" + "tail";

        Assert.Null(Refusal(Body(accents), materialize: false));
        var read = RankJson.Read(Encoding.UTF8.GetBytes(Body(accents)), materialize: true, out var refusal);
        var acrossRead = RankJson.Read(Encoding.UTF8.GetBytes(Body(emojiAcross)), materialize: true, out _);

        Assert.Null(refusal);
        Assert.Equal((new string('é', 512), new string('é', 512)), (read.Candidates![0].Title, read.Candidates[0].Brand));
        Assert.Equal(new string('x', 511), acrossRead.Candidates![0].Title);
        Assert.Equal("candidates[0].itemId has 513 characters; at most 512.", Refusal(Body("t", idLength: 513), materialize: false)?.Detail);
        Assert.Equal("candidates[0].itemId has 513 characters; at most 512.", Refusal(Body("t", idLength: 513), materialize: true)?.Detail);
    }

    [Fact]
    public void TheFirstBadCandidateIsNamedAndTooManyComesBeforeIt()
    {
        var body = JsonSerializer.Serialize(new { candidates = Enumerable.Range(0, 10).Select(i => new { itemId = i == 3 ? "" : "i" + i }) });
        Assert.Equal((RankJson.CandidateInvalid, "candidates[3] has no itemId."), (Refusal(body, false)!.Rule, Refusal(body, false)!.Detail));

        var many = JsonSerializer.Serialize(new { candidates = Enumerable.Range(0, 501).Select(i => new { itemId = i == 3 ? "" : "i" + i }) });
        Assert.Equal(RankJson.CandidatesTooMany, Refusal(many, true)?.Rule);
        var most = JsonSerializer.Serialize(new { candidates = Enumerable.Range(0, 500).Select(i => new { itemId = "i" + i }) });
        var request = RankJson.Read(Encoding.UTF8.GetBytes(most), true, out var refusal);
        Assert.Null(refusal);
        Assert.Equal((500, 500, "i499"), (request.Count, request.Candidates!.Length, request.Candidates[^1].ItemId));
    }

    [Fact]
    public void TheAnswerIsTheBytesTheGatewaysJsonOptionsWrite()
    {
        var result = new RankResult(true,
        [
            new RankedItem("85123A", 0.9312345678901234, [new Because("item", "85123A", 0.41), new Because("brand", "Caf\u00e9 <Noir> & \"Co\"", 1e-7)]),
            new RankedItem("lamp/9", 0, []),
            new RankedItem("\ud83d\udc5f", -1.5, [new Because("category", "shoes/running", 0.2)]),
        ]);

        Assert.Equal(Encoding.UTF8.GetString(JsonSerializer.SerializeToUtf8Bytes(result, GatewayJson.Options)), Encoding.UTF8.GetString(RankJson.Write(result)));
        Assert.Equal(JsonSerializer.SerializeToUtf8Bytes(new RankResult(false, []), GatewayJson.Options), RankJson.Write(new RankResult(false, [])));
    }

    private static RankRefusal? Refusal(string body, bool materialize)
    {
        RankJson.Read(Encoding.UTF8.GetBytes(body), materialize, out var refusal);
        return refusal;
    }
}
