using Esrs.Tagging;

// The tagger's commands: train, eval, tag (./esrs train-tagger, eval-tagger, tag).
try
{
    return await TaggerCommands.RunAsync(args);
}
catch (Exception ex) when (ex is ArgumentException or FileNotFoundException or FormatException)
{
    Console.Error.WriteLine($"esrs: {ex.Message}");
    return 2;
}
