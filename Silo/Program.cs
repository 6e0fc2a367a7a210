using Esrs.Silo.Hosting;
using Microsoft.Extensions.Hosting;

var builder = Host.CreateApplicationBuilder(args);
builder.AddEsrsSilo();
await builder.Build().RunAsync();
