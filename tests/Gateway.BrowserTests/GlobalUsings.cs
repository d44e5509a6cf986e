global using Gateway.Testing;
global using Microsoft.AspNetCore.Builder;
global using Microsoft.AspNetCore.Http;
global using Xunit;
global using Xunit.Abstractions;
