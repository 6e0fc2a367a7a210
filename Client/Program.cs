using Esrs.Client.Commands;
using Esrs.Client.Gateway;
using Esrs.Client.Import;

// Esrs client side. The gateway is the long-running part; the rest are one-shot commands.
const string Usage = """
    usage: Esrs.Client <command>
      gateway                               run the HTTP gateway (settings: Esrs:Gateway:*)
      import <dataset> [options]            stream a real data set into the grid (see: import --help)
      profile|quarantine|replay <userId>    a user grain's profile, quarantine page (--offset, --limit), or quarantine replay
      quality [--url URL]                   the quality snapshot as a table (operator key in ESRS_OPERATOR_KEY)
    """;

try
{
    return args switch
    {
        ["gateway", .. var rest] => await RunGatewayAsync(rest),
        ["import", "--help"] => Help(ImportCommand.Usage),
        ["import", .. var rest] => await ImportCommand.RunAsync(rest),
        ["quality", .. var rest] => await QualityCommand.RunAsync(rest, Console.Out),
        [var command and ("profile" or "quarantine" or "replay"), .. var rest] => await GrainCommands.RunAsync(command, rest),
        ["--help" or "-h" or "help"] => Help(Usage),
        _ => throw new UsageException(Usage),
    };
}
catch (UsageException ex)
{
    Console.Error.WriteLine($"esrs: {ex.Message}");
    return 2;
}
catch (ImportException ex)
{
    Console.Error.WriteLine($"esrs: {ex.Message}");
    return 3;
}
catch (Microsoft.Extensions.Options.OptionsValidationException ex)
{
    Console.Error.WriteLine($"esrs: invalid configuration: {string.Join(" ", ex.Failures)}");
    return 2;
}

static int Help(string text)
{
    Console.WriteLine(text);
    return 0;
}

static async Task<int> RunGatewayAsync(string[] args)
{
    await GatewayHost.Build(args).RunAsync();
    return 0;
}
