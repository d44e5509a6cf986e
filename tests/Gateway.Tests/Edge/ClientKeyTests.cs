using System.Net;
using Gateway.Edge;
using Microsoft.AspNetCore.Http;

namespace Gateway.Edge.Tests;

public sealed class ClientKeyTests
{
    private static string KeyOf(string remote, string? forwardedFor = null, params string[] trusted)
    {
        var context = new DefaultHttpContext();
        context.Connection.RemoteIpAddress = IPAddress.Parse(remote);
        if (forwardedFor is not null)
        {
            context.Request.Headers["X-Forwarded-For"] = forwardedFor;
        }

        return ClientKey.Of(context, trusted);
    }

    [Fact]
    public void Ipv6_AddressesInOneSlash64_ShareOneKey()
    {
        Assert.Equal("ip:2001:db8:1:2::/64", KeyOf("2001:db8:1:2::1"));
        Assert.Equal(KeyOf("2001:db8:1:2::1"), KeyOf("2001:db8:1:2:ffff:ffff:ffff:ffff"));
        Assert.NotEqual(KeyOf("2001:db8:1:2::1"), KeyOf("2001:db8:1:3::1"));
    }

    [Fact]
    public void Ipv4_AndMappedIpv4_AreKeyedByAddress()
    {
        Assert.Equal("ip:192.0.2.7", KeyOf("192.0.2.7"));
        Assert.Equal("ip:192.0.2.7", KeyOf("::ffff:192.0.2.7"));
        Assert.NotEqual(KeyOf("192.0.2.7"), KeyOf("192.0.2.8"));
    }

    [Fact]
    public void ForwardedIpv6_BehindTrustedProxy_IsGroupedToo()
    {
        Assert.Equal("ip:2001:db8:9:9::/64", KeyOf("10.0.0.1", "2001:db8:9:9::abcd", "10.0.0.0/8"));
        Assert.Equal("ip:10.0.0.1", KeyOf("10.0.0.1", "2001:db8:9:9::abcd"));
    }
}
