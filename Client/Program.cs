using Esrs.Client.Commands;

// Esrs client side: the gateway is the long-running part; the rest are one-shot commands (./esrs help).
return await ClientCommandLine.RunAsync(args);
