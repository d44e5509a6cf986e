namespace Gateway.Presence;

/// <summary>
/// One member as an instance records it: the identity members are told apart by (<c>u:</c> and the token's subject, else
/// <c>c:</c> and the client's id), the client id it connected with, the token's subject, and when it joined.
/// </summary>
internal sealed record PresenceMember(string Id, string Client, string? User, DateTimeOffset Since);
