using System.Text.Json;
using Gateway.IntegrationTests.Infrastructure;
using Microsoft.Playwright;
using XunitException = Xunit.Sdk.XunitException;

namespace Gateway.BrowserTests;

/// <summary>
/// The demo page (<c>/</c>) open in a browser context of its own, read through what the page exposes for tests:
/// <c>window.gatewayDemo</c> (received ids and states per panel) and its stable markup (<c>#prices</c>, the panel's
/// <c>[data-transport]</c> badge, <c>#fallback-log</c>). A failed wait reports the page's states and logs.
/// </summary>
internal sealed class DemoPageDriver : IAsyncDisposable
{
    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    private readonly IBrowserContext context;
    private readonly ITestOutputHelper output;

    private DemoPageDriver(IBrowserContext context, IPage page, ITestOutputHelper output)
    {
        this.context = context;
        this.output = output;
        Page = page;
    }

    public IPage Page { get; }

    /// <summary>Opens <paramref name="url"/> (the page, with its query) in a new context; the page's console goes to the test output.</summary>
    public static async Task<DemoPageDriver> OpenAsync(ChromiumFixture chromium, string url, ITestOutputHelper output, string name = "page")
    {
        var context = await chromium.Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1360, Height = 900 } });
        try
        {
            var page = await context.NewPageAsync();
            page.SetDefaultTimeout(15_000);
            page.Console += (_, message) => TestOutput.TryWriteLine(output, $"[{name} console.{message.Type}] {message.Text}");
            page.PageError += (_, error) => TestOutput.TryWriteLine(output, $"[{name} error] {error}");
            page.Response += (_, response) =>
            {
                if (response.Status >= 400)
                {
                    TestOutput.TryWriteLine(output, $"[{name} http] {response.Status} {response.Request.Method} {response.Url}");
                }
            };
            var driver = new DemoPageDriver(context, page, output);
            await page.GotoAsync(url, new PageGotoOptions { WaitUntil = WaitUntilState.DOMContentLoaded });
            await driver.WaitForAsync("() => window.gatewayDemo !== undefined", null, TimeSpan.FromSeconds(15), "the demo script to start");
            return driver;
        }
        catch
        {
            await context.DisposeAsync();
            throw;
        }
    }

    /// <summary>The transport a panel's badge shows (<c>data-transport</c>): empty while connecting or offline.</summary>
    public Task<string> TransportAsync(string panel) =>
        Page.EvaluateAsync<string>("p => document.querySelector(`#${p} .panel-head [data-transport]`).dataset.transport", panel);

    /// <summary>The ids the panel received, in order (<c>window.gatewayDemo.events[panel]</c>).</summary>
    public async Task<IReadOnlyList<string>> EventIdsAsync(string panel) =>
        await Page.EvaluateAsync<string[]>("p => [...window.gatewayDemo.events[p]]", panel);

    /// <summary>The cursor the panel's subscription negotiated last (where a fresh subscription starts), or null.</summary>
    public Task<string?> NegotiatedCursorAsync(string panel) =>
        Page.EvaluateAsync<string?>("p => window.gatewayDemo.subscriptions[p].negotiated?.cursor ?? null", panel);

    /// <summary>The panel's state changes (<c>connecting</c>, <c>connected</c>, <c>fallback</c>, <c>backoff</c> ...), oldest first.</summary>
    public async Task<IReadOnlyList<string>> StatesAsync(string panel) =>
        await Page.EvaluateAsync<string[]>("p => window.gatewayDemo.states[p].map(s => s.state)", panel);

    /// <summary>The fallbacks, upgrades and forced switches the page logged (<c>#fallback-log</c>), oldest first.</summary>
    public async Task<IReadOnlyList<LoggedSwitch>> SwitchesAsync()
    {
        var items = await Page.EvaluateAsync<JsonElement>(
            "() => [...document.querySelectorAll('#fallback-log li')].reverse().map(li => ({ kind: li.dataset.kind, panel: li.dataset.panel, from: li.dataset.from ?? null, to: li.dataset.to ?? null, reason: li.dataset.reason ?? null }))");
        return items.Deserialize<LoggedSwitch[]>(JsonOptions) ?? [];
    }

    /// <summary>Waits until the panel's badge shows <paramref name="transport"/> (the panel is connected over it).</summary>
    public Task WaitForTransportAsync(string panel, string transport, TimeSpan timeout) =>
        WaitForAsync(
            "([p, t]) => document.querySelector(`#${p} .panel-head [data-transport]`).dataset.transport === t",
            new[] { panel, transport },
            timeout,
            $"the {panel} panel to connect over {transport}");

    /// <summary>Waits until the panel received at least <paramref name="count"/> events.</summary>
    public Task WaitForEventCountAsync(string panel, int count, TimeSpan timeout) =>
        WaitForAsync("([p, n]) => window.gatewayDemo.events[p].length >= n", new object[] { panel, count }, timeout, $"{count} events on the {panel} panel");

    /// <summary>Waits until the last id the panel received ends in <c>-{sequence}</c>.</summary>
    public Task WaitForLastSequenceAsync(string panel, ulong sequence, TimeSpan timeout) =>
        WaitForAsync(
            "([p, s]) => { const ids = window.gatewayDemo.events[p]; return ids.length > 0 && ids[ids.length - 1].endsWith('-' + s); }",
            new object[] { panel, sequence.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            timeout,
            $"the {panel} panel to receive the event with sequence {sequence}");

    /// <summary>
    /// Waits for a JavaScript predicate (<paramref name="function"/> applied to <paramref name="arg"/>) to hold in the page,
    /// polling every 50 ms; on timeout the failure says what was awaited and what the page went through.
    /// </summary>
    public async Task WaitForAsync(string function, object? arg, TimeSpan timeout, string because)
    {
        try
        {
            await Page.WaitForFunctionAsync(function, arg, new PageWaitForFunctionOptions { PollingInterval = 50, Timeout = (float)timeout.TotalMilliseconds });
        }
        catch (TimeoutException ex)
        {
            throw new XunitException($"Timed out after {timeout.TotalSeconds:0.#} s waiting for {because}.{Environment.NewLine}{await DescribeAsync()}", ex);
        }
    }

    /// <summary>Every panel's transport, events and state changes, one line each, for failure messages.</summary>
    public async Task<string> DescribeAsync()
    {
        try
        {
            return await Page.EvaluateAsync<string>("""
                () => ['prices', 'orders', 'cursors'].map(p => {
                  const demo = window.gatewayDemo;
                  const ids = demo?.events[p] ?? [];
                  const states = (demo?.states[p] ?? []).map(s => s.state + (s.transport || s.reason || s.from
                    ? '(' + [s.transport, s.from && `${s.from}->${s.to}`, s.reason, s.delayMs != null && `${s.delayMs} ms`, s.code].filter(Boolean).join(', ') + ')'
                    : ''));
                  return `${p}: on ${demo?.subscriptions[p]?.transport ?? 'nothing'}, ${ids.length} events (last ${ids.at(-1) ?? '-'}); ${states.join(' > ')}`;
                }).join('\n')
                """);
        }
        catch (PlaywrightException ex)
        {
            return $"(the page could not be read: {ex.Message})";
        }
    }

    /// <summary>Writes <see cref="DescribeAsync"/> to the test output.</summary>
    public async Task LogAsync() => TestOutput.TryWriteLine(output, await DescribeAsync());

    public async ValueTask DisposeAsync() => await context.DisposeAsync();
}
