using Gateway.IntegrationTests.Infrastructure;

namespace Gateway.BrowserTests;

/// <summary>Files a test run leaves for people to look at: <c>&lt;repository&gt;/.artifacts/</c> (git-ignored; CI keeps it).</summary>
internal static class Artifacts
{
    /// <summary>The full path of an artifact; the folder is created.</summary>
    public static string PathFor(string fileName)
    {
        var directory = Path.Combine(GatewayBuildOutput.FindRepositoryRoot(), ".artifacts");
        Directory.CreateDirectory(directory);
        return Path.Combine(directory, fileName);
    }
}
