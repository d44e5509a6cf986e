using System.IO.Hashing;

namespace Gateway.Edge;

/// <summary>
/// Passes a response body through unchanged while hashing it (no buffering, whatever its size), so notify-on-write
/// learns which representation a write produced.
/// </summary>
internal sealed class HashingBody(Stream inner) : Stream
{
    private readonly XxHash128 _hash = new();
    private long _length;

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <summary>The body's hash in the form of <see cref="EdgeETagMiddleware.Compute"/>, or null when nothing was written.</summary>
    public string? Hash()
    {
        if (_length == 0)
        {
            return null;
        }

        Span<byte> hash = stackalloc byte[16];
        _hash.GetHashAndReset(hash);
        return EdgeETagMiddleware.Format(hash);
    }

    public override void Flush() => inner.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count)
    {
        Append(buffer.AsSpan(offset, count));
        inner.Write(buffer, offset, count);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Append(buffer.Span);
        return inner.WriteAsync(buffer, cancellationToken);
    }

    private void Append(ReadOnlySpan<byte> bytes)
    {
        _hash.Append(bytes);
        _length += bytes.Length;
    }
}
