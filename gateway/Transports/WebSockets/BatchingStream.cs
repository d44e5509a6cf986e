using System.Buffers;

namespace Gateway.Transports.WebSockets;

/// <summary>
/// The upgraded connection's stream under a server WebSocket. Kestrel flushes every write, and the runtime's WebSocket
/// writes each frame as its own write, so a batch of N events would cost N flushes (and, without luck, N sends). Between
/// <see cref="BeginBatch"/> and <see cref="EndBatchAsync"/> writes are gathered in a pooled buffer and go out as one
/// write and one flush. Outside a batch writes pass straight through. Writes never overlap on the inner stream (the
/// runtime's keep-alive pings may arrive from its timer while a batch is written).
/// </summary>
internal sealed class BatchingStream(Stream inner) : Stream
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Lock _lock = new();
    private byte[]? _buffer;
    private int _length;
    private bool _batching;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public void BeginBatch()
    {
        lock (_lock)
        {
            _batching = true;
        }
    }

    public async ValueTask EndBatchAsync(CancellationToken cancellationToken)
    {
        byte[]? buffer;
        int length;
        lock (_lock)
        {
            _batching = false;
            buffer = _buffer;
            length = _length;
            _buffer = null;
            _length = 0;
        }

        if (buffer is null)
        {
            return;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            await inner.WriteAsync(buffer.AsMemory(0, length), cancellationToken);
        }
        finally
        {
            _gate.Release();
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => inner.ReadAsync(buffer, offset, count, cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (_batching)
            {
                Append(buffer.Span);
                return ValueTask.CompletedTask;
            }
        }

        return WriteThroughAsync(buffer, cancellationToken);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override void Flush() => inner.Flush();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
            _gate.Dispose();
            lock (_lock)
            {
                if (_buffer is not null)
                {
                    ArrayPool<byte>.Shared.Return(_buffer);
                    _buffer = null;
                }
            }
        }

        base.Dispose(disposing);
    }

    private async ValueTask WriteThroughAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            await inner.WriteAsync(buffer, cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    private void Append(ReadOnlySpan<byte> data)
    {
        if (_buffer is null || _buffer.Length - _length < data.Length)
        {
            var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(4096, (_length + data.Length) * 2));
            if (_buffer is not null)
            {
                _buffer.AsSpan(0, _length).CopyTo(bigger);
                ArrayPool<byte>.Shared.Return(_buffer);
            }

            _buffer = bigger;
        }

        data.CopyTo(_buffer.AsSpan(_length));
        _length += data.Length;
    }
}
