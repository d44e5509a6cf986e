using Gateway.Broker;
using Gateway.Broker.Nats;
using Microsoft.Extensions.Logging.Abstractions;
using NATS.Client.Core;

namespace Gateway.Broker.Tests;

public sealed class BrokerOptionsValidatorTests
{
    [Fact]
    public void Defaults_AreValid()
    {
        var result = new BrokerOptionsValidator().Validate(null, new BrokerOptions());
        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Theory]
    [InlineData("nats://a:4222,nats://b:4222,nats://c:4222")]
    [InlineData("nats://a:4222, tls://b:4222")]
    [InlineData("a:4222,b:4223")]
    [InlineData("nats://user:secret@a:4222")]
    public void ServerList_Valid_Accepted(string url)
    {
        var result = new BrokerOptionsValidator().Validate(null, new BrokerOptions { Url = url });
        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Theory]
    [InlineData("", "is empty")]
    [InlineData("nats://a:4222,,nats://b:4222", "empty entry")]
    [InlineData("http://a:4222", "scheme 'http'")]
    [InlineData("nats://a:4222/path", "path or query")]
    [InlineData("nats://a:99999", "not a server URL")]
    public void ServerList_Invalid_NamesTheEntry(string url, string expected)
    {
        var result = new BrokerOptionsValidator().Validate(null, new BrokerOptions { Url = url });
        Assert.False(result.Succeeded);
        Assert.Contains("Gateway:Broker:Url", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains(expected, result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void ServerList_MemoryBroker_NotChecked()
    {
        var result = new BrokerOptionsValidator().Validate(null, new BrokerOptions { Kind = BrokerKind.Memory, Url = "http://x" });
        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Fact]
    public void ManyProblems_AllReportedAtOnce()
    {
        var options = new BrokerOptions
        {
            Url = "ftp://a",
            ReconnectWaitMin = TimeSpan.FromSeconds(5),
            ReconnectWaitMax = TimeSpan.FromSeconds(1),
            ReconnectJitter = TimeSpan.FromSeconds(-1),
            PingInterval = TimeSpan.Zero,
            CredentialsFile = "/nonexistent/gateway.creds",
            Tls = new BrokerTlsOptions { CertFile = "/nonexistent/client.pem" },
        };

        var failures = new BrokerOptionsValidator().Validate(null, options).Failures!.ToList();

        Assert.Contains(failures, f => f.Contains("Gateway:Broker:Url", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("ReconnectWaitMax", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("ReconnectJitter", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("PingInterval", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("CredentialsFile '/nonexistent/gateway.creds' does not exist", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("Tls:CertFile '/nonexistent/client.pem' does not exist", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("go together", StringComparison.Ordinal));
    }

    [Fact]
    public void CreateOpts_MapsServerListPingsReconnectAndReplicasFreeSettings()
    {
        var options = new BrokerOptions
        {
            Url = "nats://a:4222, b:4223",
            PingInterval = TimeSpan.FromSeconds(3),
            MaxPingsOut = 4,
            ReconnectJitter = TimeSpan.FromMilliseconds(700),
            ReconnectWaitMin = TimeSpan.FromMilliseconds(100),
            ReconnectWaitMax = TimeSpan.FromSeconds(7),
        };

        var opts = NatsConnectionProvider.CreateOpts(options, NullLoggerFactory.Instance);

        Assert.Equal("nats://a:4222,nats://b:4223", opts.Url);
        Assert.Equal(TimeSpan.FromSeconds(3), opts.PingInterval);
        Assert.Equal(4, opts.MaxPingOut);
        Assert.Equal(TimeSpan.FromMilliseconds(700), opts.ReconnectJitter);
        Assert.Equal(TimeSpan.FromMilliseconds(100), opts.ReconnectWaitMin);
        Assert.Equal(TimeSpan.FromSeconds(7), opts.ReconnectWaitMax);
        Assert.Equal(-1, opts.MaxReconnectRetry);
        Assert.False(opts.NoRandomize);
        Assert.NotEqual(TlsMode.Require, opts.TlsOpts.Mode);
        Assert.Null(opts.AuthOpts.CredsFile);
    }

    [Fact]
    public void CreateOpts_TlsAndCredentials_RequireTlsAndUseTheFiles()
    {
        var creds = Path.GetTempFileName();
        try
        {
            var options = new BrokerOptions
            {
                Url = "tls://a:4222",
                CredentialsFile = creds,
                Tls = new BrokerTlsOptions { CaFile = "/etc/nats/ca.pem" },
            };

            var opts = NatsConnectionProvider.CreateOpts(options, NullLoggerFactory.Instance);

            Assert.Equal(TlsMode.Require, opts.TlsOpts.Mode);
            Assert.Equal("/etc/nats/ca.pem", opts.TlsOpts.CaFile);
            Assert.Equal(creds, opts.AuthOpts.CredsFile);
        }
        finally
        {
            File.Delete(creds);
        }
    }
}
