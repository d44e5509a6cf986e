using System.Buffers;
using Microsoft.AspNetCore.Http.Features;

namespace Gateway.Edge;

/// <summary>
/// Holds a response body in pooled memory up to a limit so the edge can hash it before headers go out; past the limit,
/// or when the response turns out to be a stream of messages, it turns into a pass-through and the response streams as
/// usual (without an edge ETag). It is the response body feature itself while installed (one object per request), and
/// gives its buffer back to the pool on <see cref="Dispose"/>.
/// </summary>
internal sealed class BufferingBody(IHttpResponseBodyFeature inner, HttpResponse response, int limit) : Stream, IHttpResponseBodyFeature
{
    private const int InitialBytes = 4096;

    private byte[]? _buffer;
    private int _length;
    private bool _passThrough;
    private bool _checked;

    public bool Overflowed => _passThrough;

    public ReadOnlyMemory<byte> Buffered => _passThrough || _buffer is null ? ReadOnlyMemory<byte>.Empty : _buffer.AsMemory(0, _length);

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    Stream IHttpResponseBodyFeature.Stream => this;

    // Nothing in the proxy pipeline writes through the pipe; should anything, it lands in this stream all the same.
    System.IO.Pipelines.PipeWriter IHttpResponseBodyFeature.Writer => _writer ??= System.IO.Pipelines.PipeWriter.Create(this, new System.IO.Pipelines.StreamPipeWriterOptions(leaveOpen: true));

    private System.IO.Pipelines.PipeWriter? _writer;

    // As StreamResponseBodyFeature over a stream: starting or completing the response is a flush, which this stream holds
    // back while it buffers; the middleware writes what it holds once the ETag is known.
    public void DisableBuffering() => inner.DisableBuffering();

    public Task StartAsync(CancellationToken cancellationToken = default) => FlushAsync(cancellationToken);

    public async Task SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken = default)
    {
        await PassThroughAsync(cancellationToken);
        await inner.SendFileAsync(path, offset, count, cancellationToken);
    }

    public async Task CompleteAsync()
    {
        if (_writer is not null)
        {
            await _writer.FlushAsync();
        }

        await FlushAsync(CancellationToken.None);
    }

    public override void Flush()
    {
        if (_passThrough)
        {
            inner.Stream.Flush();
        }
    }

    // While buffering, flushes are swallowed: nothing may reach the client before the ETag is known.
    public override Task FlushAsync(CancellationToken cancellationToken) => _passThrough ? inner.Stream.FlushAsync(cancellationToken) : Task.CompletedTask;

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        // Headers are known by the first write: a streaming response (SSE, NDJSON) must never be held back.
        if (!_checked)
        {
            _checked = true;
            _passThrough = EdgeETagMiddleware.IsStreaming(response);
        }

        if (!_passThrough && _length + buffer.Length <= limit)
        {
            Append(buffer.Span);
            return ValueTask.CompletedTask;
        }

        return WriteThroughAsync(buffer, cancellationToken);
    }

    protected override void Dispose(bool disposing)
    {
        if (_buffer is { } rented)
        {
            _buffer = null;
            ArrayPool<byte>.Shared.Return(rented);
        }

        base.Dispose(disposing);
    }

    private async ValueTask WriteThroughAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken)
    {
        await PassThroughAsync(cancellationToken);
        await inner.Stream.WriteAsync(buffer, cancellationToken);
    }

    /// <summary>Stops buffering: what is held goes out first.</summary>
    private async ValueTask PassThroughAsync(CancellationToken cancellationToken)
    {
        if (_passThrough)
        {
            return;
        }

        _passThrough = true;
        _checked = true;
        if (_length > 0)
        {
            await inner.Stream.WriteAsync(_buffer.AsMemory(0, _length), cancellationToken);
        }
    }

    private void Append(ReadOnlySpan<byte> data)
    {
        if (_buffer is null || _length + data.Length > _buffer.Length)
        {
            var grown = ArrayPool<byte>.Shared.Rent(Math.Min(limit, Math.Max(InitialBytes, Math.Max(_length + data.Length, (_buffer?.Length ?? 0) * 2))));
            if (_buffer is { } old)
            {
                old.AsSpan(0, _length).CopyTo(grown);
                ArrayPool<byte>.Shared.Return(old);
            }

            _buffer = grown;
        }

        data.CopyTo(_buffer.AsSpan(_length));
        _length += data.Length;
    }
}
