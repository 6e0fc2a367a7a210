using Esrs.Tagging.Commands;

// The tagger's command line: ./esrs train-tagger, eval-tagger, tag, bench-tagger.
return await TaggerCommandLine.RunAsync(args);
