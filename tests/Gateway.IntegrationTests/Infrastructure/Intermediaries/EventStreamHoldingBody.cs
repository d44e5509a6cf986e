using Microsoft.AspNetCore.Http.Features;

namespace Gateway.IntegrationTests.Infrastructure.Intermediaries;

/// <summary>
/// A response body that passes writes through, except for a <c>text/event-stream</c> response: its status and headers
/// go out at once, but its bytes are held, flushes included, until <see cref="ReleaseAsync"/> at the end of the upstream
/// response. That is nginx with <c>proxy_buffering on</c> and <c>X-Accel-Buffering</c> ignored, or a corporate
/// antivirus proxy: the SSE connection is open and silent.
/// </summary>
internal sealed class EventStreamHoldingBody(IHttpResponseBodyFeature original, HttpResponse response, Action onHolding) : Stream
{
    private readonly MemoryStream held = new();
    private bool? holding;
    private bool headersSent;

    /// <summary>True once the response turned out to be an event stream that this body holds back.</summary>
    public bool IsHolding => holding == true;

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (Holding())
        {
            if (!headersSent)
            {
                // Kestrel's StartAsync only queues the status line and headers; the flush sends them.
                headersSent = true;
                await original.StartAsync(cancellationToken);
                await original.Stream.FlushAsync(cancellationToken);
            }

            lock (held)
            {
                held.Write(buffer.Span);
            }

            return;
        }

        await original.Stream.WriteAsync(buffer, cancellationToken);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer, offset, count).GetAwaiter().GetResult();

    // While holding, a flush sends at most the headers: the held bytes are not in the original body yet.
    public override Task FlushAsync(CancellationToken cancellationToken) => original.Stream.FlushAsync(cancellationToken);

    public override void Flush() => FlushAsync().GetAwaiter().GetResult();

    /// <summary>Writes out what was held, as the buffering proxy does when the upstream response ends.</summary>
    public async Task ReleaseAsync(CancellationToken cancellationToken)
    {
        byte[] bytes;
        lock (held)
        {
            bytes = held.ToArray();
            held.SetLength(0);
        }

        if (bytes.Length > 0)
        {
            await original.Stream.WriteAsync(bytes, cancellationToken);
            await original.Stream.FlushAsync(cancellationToken);
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            held.Dispose();
        }

        base.Dispose(disposing);
    }

    // Decided at the first write or flush, when the upstream's headers have been copied onto the response.
    private bool Holding()
    {
        if (holding is null)
        {
            holding = response.ContentType?.StartsWith("text/event-stream", StringComparison.OrdinalIgnoreCase) == true;
            if (holding == true)
            {
                onHolding();
            }
        }

        return holding.Value;
    }
}
