using Microsoft.Playwright;

namespace Gateway.BrowserTests;

/// <summary>
/// One headless Chromium for the browser test collection, driven by Playwright. It is the system's Chromium (Debian's
/// <c>chromium</c> package, or <c>CHROMIUM_PATH</c>), launched by path: Playwright's own browser download cannot be
/// reached from this machine or CI. A missing browser fails every test with the reason; it is never a skip.
/// </summary>
public sealed class ChromiumFixture : IAsyncLifetime
{
    public const string PathVariable = "CHROMIUM_PATH";
    public const string DefaultPath = "/usr/bin/chromium";

    private IPlaywright? playwright;
    private IBrowser? browser;

    /// <summary>The running browser.</summary>
    public IBrowser Browser => browser ?? throw new InvalidOperationException("Chromium has not been launched.");

    public async Task InitializeAsync()
    {
        var path = Environment.GetEnvironmentVariable(PathVariable) is { Length: > 0 } configured ? configured : DefaultPath;
        if (!File.Exists(path))
        {
            throw new InvalidOperationException(
                $"The browser tests need Chromium and found none at {path}. Install it with `apt-get install -y chromium` "
                + $"(scripts/test.sh does this as root), or set {PathVariable} to a Chromium or Chrome executable. "
                + "Playwright's own browser download (`playwright install`) does not work here: there is no internet access.");
        }

        playwright = await Playwright.CreateAsync();
        browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = path,

            // Real time only (no virtual time budget): the client's probes and timeouts run on the wall clock.
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            Headless = true,
            Timeout = 60_000,
        });
    }

    public async Task DisposeAsync()
    {
        if (browser is not null)
        {
            await browser.CloseAsync();
        }

        playwright?.Dispose();
    }
}
