namespace Gateway.Observability;

/// <summary>
/// The request method as a metric label, from a closed set: a client may send any token as a method (Kestrel accepts
/// one as long as the request line), and each distinct label value is a series held in memory for good.
/// </summary>
internal static class MethodLabel
{
    public const string Other = "other";

    /// <summary>The label values that can occur, so every series can be created up front.</summary>
    public static readonly string[] All = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT", Other];

    /// <summary>The method's canonical upper-case name when it is one of RFC 9110's (and PATCH), else <see cref="Other"/>.</summary>
    public static string Of(string method) =>
        HttpMethods.GetCanonicalizedValue(method) switch
        {
            var m when ReferenceEquals(m, HttpMethods.Get) => "GET",
            var m when ReferenceEquals(m, HttpMethods.Head) => "HEAD",
            var m when ReferenceEquals(m, HttpMethods.Post) => "POST",
            var m when ReferenceEquals(m, HttpMethods.Put) => "PUT",
            var m when ReferenceEquals(m, HttpMethods.Patch) => "PATCH",
            var m when ReferenceEquals(m, HttpMethods.Delete) => "DELETE",
            var m when ReferenceEquals(m, HttpMethods.Options) => "OPTIONS",
            var m when ReferenceEquals(m, HttpMethods.Trace) => "TRACE",
            var m when ReferenceEquals(m, HttpMethods.Connect) => "CONNECT",
            _ => Other,
        };
}
