using Esrs.Bench;

// ./esrs bench [--events N] [--data DIR]; ./esrs bench tagger-pool [--model DIR] [--callers N] [--seconds S] [--warmup S] [--data DIR].
return await BenchCommandLine.RunAsync(args);
