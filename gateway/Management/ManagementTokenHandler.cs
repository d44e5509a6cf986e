using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Gateway.Management;

/// <summary>
/// The management token as an ASP.NET authentication scheme, so <c>/admin/*</c> and <c>/publish/*</c> simply
/// <c>RequireAuthorization</c>. Without a configured token (allowed on loopback only) every caller is the operator.
/// </summary>
internal sealed class ManagementTokenHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> schemeOptions,
    ILoggerFactory logger,
    UrlEncoder encoder,
    IOptionsMonitor<ManagementOptions> options,
    ManagementPort port) : AuthenticationHandler<AuthenticationSchemeOptions>(schemeOptions, logger, encoder)
{
    public const string SchemeName = "GatewayManagement";

    public const string Policy = "gateway-management";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        // Only ever an identity on a management endpoint on the management port. When JWT auth is off this is the only
        // scheme, and ASP.NET makes a lone scheme the default: it must never vouch for a request on the public port.
        if (!port.IsManagement(Context) || Context.GetEndpoint()?.Metadata.GetMetadata<ManagementEndpoint>() is null)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        var expected = options.CurrentValue.Token;
        if (string.IsNullOrEmpty(expected))
        {
            return Task.FromResult(Success("loopback"));
        }

        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        // Compare digests in fixed time: neither the length nor a matching prefix of the token leaks through timing.
        var sent = SHA256.HashData(Encoding.UTF8.GetBytes(header["Bearer ".Length..].Trim()));
        var wanted = SHA256.HashData(Encoding.UTF8.GetBytes(expected));
        return Task.FromResult(CryptographicOperations.FixedTimeEquals(sent, wanted)
            ? Success("token")
            : AuthenticateResult.Fail("The management token does not match."));
    }

    private AuthenticateResult Success(string method)
    {
        var identity = new ClaimsIdentity([new Claim("gateway_management", method)], SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }
}
