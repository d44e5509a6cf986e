using Gateway.Hosting;

// The table of contents: every feature registers itself with one AddX()/MapX() pair in GatewayApplication.
return await GatewayApplication.RunAsync(args);
