using Esrs.Client.Gateway.Auth;
using Esrs.Events;
using Esrs.Identity;
using Microsoft.Extensions.Options;

namespace Esrs.Client.Gateway;

/// <summary>One user-registry record as a source sends it (camelCase JSON; all but <c>userId</c> optional).</summary>
public sealed record UserRecordJson(string? UserId, string? Email, string? Phone, string? Name, int? BirthYear, string? Gender, IReadOnlyList<string>? DeviceIds);

/// <summary>
/// What became of one record of a request, in request order: stored (with the fields dropped and why) or refused, and
/// the evidence of each link it made. Not whom it linked to: a writer could otherwise learn whose email or phone it
/// sent (that answer is <c>GET /v1/users/{id}/links</c>, for readers).
/// </summary>
public sealed record RecordAnswer(int Index, string? UserId, bool Stored, IReadOnlyList<string> Rules, IReadOnlyList<string> LinkedBy);

/// <summary>The answer to <c>POST /v1/users/records</c>.</summary>
public sealed record RecordsResponse(int Stored, int Refused, int Links, IReadOnlyList<RecordAnswer> Records);

/// <summary>
/// The user registry at the edge: records are pseudonymised here (clear email, phone, name and device ids exist only in
/// this request's memory: never stored, logged or answered), then stored and linked by the registry grains.
/// </summary>
public static class RegistryEndpoints
{
    public const int MaxRecords = 1_000;
    public const string LinkUnknown = "identity.link.unknown";
    public const int MaxDevices = 20;

    public static IEndpointRouteBuilder MapEsrsRegistry(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var v1 = app.MapGroup("/v1");
        v1.MapPost("/users/records", PostAsync)
            .DocumentsOneOrMany<UserRecordJson>("application/json")
            .RequireAuthorization(EsrsPolicies.Write)
            .Produces<RecordsResponse>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .WithSummary("User-registry records (one or an array): PII pseudonymised with a keyed hash at the edge, stored, linked to records of the same person.")
            .DisableAntiforgery();

        v1.MapGet("/users/{id}/links", (HttpContext http, string id, IClusterClient grains) =>
                GatewayEndpoints.UserCallAsync(http, id, async key => Results.Json(await grains.Reference<IRegistryGrain>(key).ResolveAsync(100), GatewayJson.Options)))
            .RequireAuthorization(EsrsPolicies.Read)
            .Produces<IdentityView>()
            .WithSummary("The person a user id belongs to: every linked id, the canonical one, each link with its evidence.");

        v1.MapDelete("/users/{id}/links/{other}", (HttpContext http, string id, string other, IClusterClient grains) =>
                GatewayEndpoints.RouteSegment(http, "other", other) is { } otherId && UserIds.IsValid(other = otherId)
                    ? GatewayEndpoints.UserCallAsync(http, id, async key =>
                        await grains.Reference<IRegistryGrain>(key).UnlinkAsync(other) is { SeparatedAt: not null } result
                            ? Results.Json(result, GatewayJson.Options)
                            : GatewayProblems.Problem(StatusCodes.Status404NotFound, LinkUnknown, "No such link", "The two users are neither linked nor separated."))
                    : Task.FromResult(GatewayProblems.Problem(StatusCodes.Status400BadRequest, GatewayProblems.UserIdInvalid, "Invalid user id", "The other user id is not a user id.")))
            .RequireAuthorization(EsrsPolicies.Operator)
            .Produces<UnlinkResult>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("Operators: undo a link: the two users are two persons; the link goes on both sides and the rules never join them again.")
            .DisableAntiforgery();
        return app;
    }

    private static async Task<IResult> PostAsync(HttpContext http, IClusterClient grains, IOptions<GatewayOptions> options, CancellationToken cancellationToken)
    {
        var keys = options.Value.PseudonymKeys;
        if (keys.Count == 0)
        {
            return GatewayProblems.Problem(StatusCodes.Status500InternalServerError, GatewayProblems.PseudonymKeyMissing, "No pseudonym key",
                "This gateway has no Esrs:Gateway:PseudonymKeys: it cannot pseudonymise personal data, so it stores none.");
        }

        var (records, problem) = await JsonArrayBody.ReadAsync<UserRecordJson>(http.Request, options.Value.MaxBodyBytes, MaxRecords, "user record", cancellationToken);
        if (problem is not null || records is null)
        {
            return problem!;
        }

        var pseudonymiser = new Pseudonymiser(keys[0].Name, keys[0].Key);
        var source = http.User.Identity?.Name ?? "unknown";
        var now = DateTime.UtcNow;
        var answers = new RecordAnswer[records.Count];
        var byUser = new Dictionary<string, List<(int Index, PseudonymRecord Record, List<string> Rules)>>(StringComparer.Ordinal);
        for (var i = 0; i < records.Count; i++)
        {
            var (record, rules) = RegistryRecords.Pseudonymise(records[i], pseudonymiser, source, now);
            if (record is null)
            {
                answers[i] = new RecordAnswer(i, UserIds.IsValid(records[i]?.UserId) ? records[i]!.UserId : null, false, rules, []);
                continue;
            }

            if (!byUser.TryGetValue(record.UserId, out var list))
            {
                byUser[record.UserId] = list = [];
            }

            list.Add((i, record, rules));
        }

        return await GatewayEndpoints.CallAsync(async () =>
        {
            // One user's records in request order; users side by side.
            await Task.WhenAll(byUser.Values.Select(async list =>
            {
                foreach (var (index, record, rules) in list)
                {
                    var outcome = await grains.Reference<IRegistryGrain>(record.UserId).PutAsync(record);
                    answers[index] = new RecordAnswer(index, record.UserId, true, rules, [.. outcome.NewLinks.Select(l => l.Evidence)]);
                }
            }));
            return Results.Json(new RecordsResponse(answers.Count(a => a.Stored), answers.Count(a => !a.Stored), answers.Sum(a => a.LinkedBy.Count), answers), GatewayJson.Options);
        });
    }
}

/// <summary>Turning a sent record into a <see cref="PseudonymRecord"/>: each field checked, bad optional fields dropped with their rule.</summary>
public static class RegistryRecords
{
    public const string UserMissing = "record.user.missing";
    public const string UserInvalid = "record.user.invalid";
    public const string EmailInvalid = "record.email.invalid";
    public const string PhoneInvalid = "record.phone.invalid";
    public const string NameInvalid = "record.name.invalid";
    public const string BirthYearInvalid = "record.birth-year.invalid";
    public const string GenderInvalid = "record.gender.invalid";
    public const string DeviceInvalid = "record.device.invalid";
    public const string DevicesTooMany = "record.devices.too-many";

    public static (PseudonymRecord? Record, List<string> Rules) Pseudonymise(UserRecordJson? sent, Pseudonymiser pseudonymiser, string source, DateTime now)
    {
        ArgumentNullException.ThrowIfNull(pseudonymiser);
        var rules = new List<string>();
        if (sent is null || string.IsNullOrEmpty(sent.UserId))
        {
            rules.Add(UserMissing);
            return (null, rules);
        }

        if (!UserIds.IsValid(sent.UserId))
        {
            rules.Add(UserInvalid);
            return (null, rules);
        }

        string? Pseudonym(string? value, Func<string?, string?> normalise, string kind, string rule)
        {
            if (value is null)
            {
                return null;
            }

            if (normalise(value) is { } normal)
            {
                return pseudonymiser.Of(kind, normal);
            }

            rules.Add(rule);
            return null;
        }

        var email = Pseudonym(sent.Email, Pseudonymiser.NormaliseEmail, "email", EmailInvalid);
        var phone = Pseudonym(sent.Phone, Pseudonymiser.NormalisePhone, "phone", PhoneInvalid);
        var name = Pseudonym(sent.Name, Pseudonymiser.NormaliseName, "name", NameInvalid);
        int? birthYear = sent.BirthYear is { } year && (year < 1900 || year > now.Year) ? null : sent.BirthYear;
        if (sent.BirthYear is not null && birthYear is null)
        {
            rules.Add(BirthYearInvalid);
        }

        var gender = Gender(sent.Gender);
        if (sent.Gender is not null && gender is null)
        {
            rules.Add(GenderInvalid);
        }

        var devices = new List<string>();
        foreach (var device in sent.DeviceIds ?? [])
        {
            if (devices.Count == RegistryEndpoints.MaxDevices)
            {
                rules.Add(DevicesTooMany);
                break;
            }

            if (Pseudonym(device, Pseudonymiser.NormaliseDevice, "device", DeviceInvalid) is { } pseudonym && !devices.Contains(pseudonym))
            {
                devices.Add(pseudonym);
            }
        }

        return (new PseudonymRecord(sent.UserId, pseudonymiser.KeyId, email, phone, name, birthYear, gender, devices, source, now), rules);
    }

    /// <summary>The spellings events accept (<c>Herr</c>, <c>Frau</c>, <c>女</c>...), one table for both.</summary>
    private static string? Gender(string? gender) => Cleaning.GenderNormalizer.Normalize(gender);
}
