using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Gateway.Testing;

/// <summary>A self-signed server certificate for <c>localhost</c> and <c>127.0.0.1</c>, for tests that serve HTTPS.</summary>
internal static class TestCertificate
{
    /// <summary>The certificate's subject, which a test client pins instead of a trust chain.</summary>
    public const string Subject = "CN=localhost, O=gateway-tests";

    /// <summary>A server certificate check for test clients: accepts this certificate (self-signed, so never chained) and nothing else.</summary>
    public static bool IsTestCertificate(X509Certificate? certificate) => certificate?.Subject == Subject && certificate.Issuer == Subject;

    /// <summary>Writes the certificate with its key to <c>gateway.pfx</c> in <paramref name="directory"/>; returns the path.</summary>
    public static string WritePfx(string directory, string password)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(Subject, key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        var path = Path.Combine(directory, "gateway.pfx");
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pfx, password));
        return path;
    }
}
