using System.Text;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.Auth;

internal static class AuthServiceCollectionExtensions
{
    public static IServiceCollection AddGatewayAuth(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(AuthOptions.Section).Get<AuthOptions>() ?? new AuthOptions();

        // Hosting's Information lines ("Request starting ...") carry the query string, and with it a push client's
        // access_token: that category is capped at Warning whatever the configuration says (docs/security.md).
        services.Configure<LoggerFilterOptions>(o => o.Rules.Add(new LoggerFilterRule(null, "Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Warning, null)));
        services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.Section)
            .Validate(o => o.Problems().Count == 0, string.Join(" ", options.Problems()) is { Length: > 0 } text ? text : "Gateway:Auth is invalid.")
            .ValidateOnStart();
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, AuthAnswers>();

        var authorization = services.AddAuthorizationBuilder();
        foreach (var (name, claims) in options.Policies)
        {
            authorization.AddPolicy(name, policy =>
            {
                policy.RequireAuthenticatedUser();
                foreach (var (type, values) in claims)
                {
                    policy.RequireClaim(type, values);
                }
            });
        }

        if (!options.Enabled)
        {
            services.AddAuthentication();
            return services;
        }

        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer(jwt =>
        {
            jwt.MapInboundClaims = false;
            jwt.RequireHttpsMetadata = options.RequireHttpsMetadata;
            if (!string.IsNullOrEmpty(options.Authority))
            {
                jwt.Authority = options.Authority;
            }

            jwt.TokenValidationParameters = new TokenValidationParameters
            {
                ValidateIssuer = options.ValidateIssuer,
                ValidIssuer = options.Issuer,
                ValidateAudience = options.ValidateAudience,
                ValidAudience = options.Audience,
                ValidateLifetime = true,
                ClockSkew = options.ClockSkew,
                IssuerSigningKey = string.IsNullOrEmpty(options.SigningKey) ? null : new SymmetricSecurityKey(Encoding.UTF8.GetBytes(options.SigningKey)),
                NameClaimType = "sub",
            };
            jwt.Events = new JwtBearerEvents
            {
                // EventSource and browsers' WebSocket cannot set headers: push clients send the token as access_token.
                OnMessageReceived = context =>
                {
                    // A bearer token on the management port is the management token, not a user's JWT.
                    if (context.HttpContext.GetEndpoint()?.Metadata.GetMetadata<Management.ManagementEndpoint>() is not null)
                    {
                        context.NoResult();
                        return Task.CompletedTask;
                    }

                    if (string.IsNullOrEmpty(context.Request.Headers.Authorization) &&
                        context.Request.Query.TryGetValue(AccessTokenQuery.Name, out var token) && !string.IsNullOrEmpty(token) &&
                        AccessTokenQuery.IsAllowed(context.HttpContext))
                    {
                        context.Token = token.ToString();
                    }

                    return Task.CompletedTask;
                },
            };
        });
        return services;
    }
}
