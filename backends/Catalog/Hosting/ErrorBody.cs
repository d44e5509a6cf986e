namespace Backends.Catalog.Hosting;

/// <summary>Every 4xx/5xx answer of the catalog carries one of these: <c>{"error":"..."}</c>.</summary>
internal sealed record ErrorBody(string Error)
{
    public static IResult Result(int statusCode, string message) =>
        TypedResults.Json(new ErrorBody(message), CatalogJsonContext.Default.ErrorBody, statusCode: statusCode);
}
