namespace Gateway.Edge;

/// <summary>
/// Holds a response body in memory up to a limit so the edge can hash it before headers go out; past the limit it
/// turns into a pass-through and the response streams as usual (without an edge ETag).
/// </summary>
internal sealed class BufferingBody(Stream inner, int limit, Func<bool> isStreaming) : Stream
{
    private MemoryStream? _buffer = new();
    private bool _checked;

    public bool Overflowed => _buffer is null;

    public ReadOnlyMemory<byte> Buffered => _buffer is null ? ReadOnlyMemory<byte>.Empty : _buffer.GetBuffer().AsMemory(0, (int)_buffer.Length);

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Flush()
    {
        if (_buffer is null)
        {
            inner.Flush();
        }
    }

    // While buffering, flushes are swallowed: nothing may reach the client before the ETag is known.
    public override Task FlushAsync(CancellationToken cancellationToken) => _buffer is null ? inner.FlushAsync(cancellationToken) : Task.CompletedTask;

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        // Headers are known by the first write: a streaming response (SSE, NDJSON) must never be held back.
        if (!_checked)
        {
            _checked = true;
            if (isStreaming())
            {
                _buffer = null;
            }
        }

        if (_buffer is not null)
        {
            if (_buffer.Length + buffer.Length <= limit)
            {
                _buffer.Write(buffer.Span);
                return;
            }

            var held = _buffer;
            _buffer = null;
            await inner.WriteAsync(held.GetBuffer().AsMemory(0, (int)held.Length), cancellationToken);
        }

        await inner.WriteAsync(buffer, cancellationToken);
    }
}
