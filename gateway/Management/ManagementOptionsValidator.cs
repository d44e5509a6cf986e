using Microsoft.Extensions.Options;

namespace Gateway.Management;

/// <summary>Start-up check of <see cref="ManagementOptions"/> against the management endpoint Kestrel will bind.</summary>
internal sealed class ManagementOptionsValidator(IConfiguration configuration) : IValidateOptions<ManagementOptions>
{
    public ValidateOptionsResult Validate(string? name, ManagementOptions options)
    {
        var problems = options.Problems(configuration[ManagementPort.EndpointUrlKey]);
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
