using System.Runtime.InteropServices;
using Gateway.Bench;
using Gateway.Bench.Results;
using Gateway.Bench.Scenarios;

// The table of contents: parse the options, run each scenario against a fresh nats-server and gateway, print and save.
if (!BenchOptions.TryParse(args, out var options, out var error))
{
    if (error is null)
    {
        Console.WriteLine(BenchOptions.Usage);
        return 0;
    }

    await Console.Error.WriteLineAsync(error);
    await Console.Error.WriteLineAsync(BenchOptions.Usage);
    return 2;
}

// Ctrl-C, SIGTERM and the overall time limit all cancel the run, so nats-server and the gateway are always killed.
using var stop = new CancellationTokenSource(options.Timeout);
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Cancel(); });
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });

var failed = false;
try
{
    foreach (var scenario in options.Scenarios)
    {
        ScenarioOutput output;
        try
        {
            output = await ScenarioRunner.RunAsync(scenario, options, stop.Token);
        }
        catch (Exception ex) when (!stop.IsCancellationRequested)
        {
            // One scenario that could not finish (a gateway that never admitted its clients, a process that died) must not
            // hide the others' results; its processes are gone already (each scenario disposes what it started).
            await Console.Error.WriteLineAsync($"scenario {scenario.ToString().ToLowerInvariant()} FAILED: {ex.GetType().Name}: {ex.Message}");
            failed = true;
            continue;
        }

        var files = await ResultWriter.WriteAsync(output, options.ResultsDirectory, stop.Token);
        Console.WriteLine();
        Console.WriteLine(output.Markdown);
        Console.WriteLine($"written: {files.Json}");
        Console.WriteLine($"         {files.Markdown}");
        failed |= !output.Passed;
    }
}
catch (OperationCanceledException) when (stop.IsCancellationRequested)
{
    await Console.Error.WriteLineAsync($"stopped: interrupted or over the --timeout of {options.Timeout.TotalSeconds:0} s.");
    return 3;
}

// Loss, disorder or a failed check (an instance that died, clients never admitted) is a defect, not a slow result.
return failed ? 1 : 0;
