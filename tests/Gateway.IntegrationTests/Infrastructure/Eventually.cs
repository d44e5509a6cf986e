using Xunit.Sdk;

namespace Gateway.IntegrationTests.Infrastructure;

/// <summary>Waits for a condition instead of sleeping and hoping: polls it until it holds or the time is up.</summary>
internal static class Eventually
{
    private static readonly TimeSpan FirstInterval = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan MaxInterval = TimeSpan.FromMilliseconds(200);

    /// <summary>Polls <paramref name="condition"/> until it returns true; fails the test after <paramref name="timeout"/>.</summary>
    /// <param name="because">What the test is waiting for, in words; it goes into the failure message.</param>
    public static Task TrueAsync(Func<Task<bool>> condition, TimeSpan timeout, string because) =>
        TrueAsync(_ => condition(), timeout, because);

    /// <inheritdoc cref="TrueAsync(Func{Task{bool}}, TimeSpan, string)"/>
    public static Task TrueAsync(Func<bool> condition, TimeSpan timeout, string because) =>
        TrueAsync(_ => Task.FromResult(condition()), timeout, because);

    /// <summary>
    /// Polls <paramref name="condition"/> until it returns true; fails the test after <paramref name="timeout"/>.
    /// The token handed to the condition is cancelled when the time is up, and each call is also cut off then, so a
    /// hanging probe cannot outlive the timeout. An exception from the condition counts as "not yet" and is
    /// reported if the time runs out.
    /// </summary>
    public static async Task TrueAsync(Func<CancellationToken, Task<bool>> condition, TimeSpan timeout, string because)
    {
        using var cts = new CancellationTokenSource(timeout);
        var interval = FirstInterval;
        Exception? lastError = null;
        var attempts = 0;
        while (true)
        {
            attempts++;
            try
            {
                if (await condition(cts.Token).WaitAsync(cts.Token))
                {
                    return;
                }

                lastError = null;
            }
            catch (OperationCanceledException) when (cts.IsCancellationRequested)
            {
            }
            catch (Exception ex)
            {
                lastError = ex;
            }

            if (cts.IsCancellationRequested)
            {
                break;
            }

            try
            {
                await Task.Delay(interval, cts.Token);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            interval = TimeSpan.FromTicks(Math.Min(interval.Ticks * 2, MaxInterval.Ticks));
        }

        var message = $"Timed out after {timeout.TotalSeconds:0.###} s ({attempts} checks) waiting for: {because}";
        throw lastError is null
            ? new XunitException(message)
            : new XunitException($"{message}{Environment.NewLine}Last check threw: {lastError.GetType().Name}: {lastError.Message}", lastError);
    }
}
