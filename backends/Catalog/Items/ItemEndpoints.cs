using System.Text.Json;
using System.Text.Json.Nodes;
using Backends.Catalog.Hosting;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace Backends.Catalog.Items;

internal static class ItemEndpoints
{
    public static IServiceCollection AddCatalogItems(this IServiceCollection services)
    {
        services.AddOptions<CatalogOptions>().BindConfiguration("Catalog");
        services.AddSingleton<CatalogStore>();
        return services;
    }

    /// <summary>GET /items, GET /items/{id} and PUT /items/{id}.</summary>
    public static IEndpointRouteBuilder MapItems(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/items", List);
        endpoints.MapGet("/items/{id}", Get);
        endpoints.MapPut("/items/{id}", PutAsync);
        return endpoints;
    }

    private static IResult List([FromServices] CatalogStore store)
    {
        var items = store.List();
        var body = new List<byte>(items.Sum(i => i.Json.Length + 1) + 2) { (byte)'[' };
        for (var i = 0; i < items.Count; i++)
        {
            if (i > 0)
            {
                body.Add((byte)',');
            }

            body.AddRange(items[i].Json);
        }

        body.Add((byte)']');
        return new JsonBytesResult(body.ToArray());
    }

    private static IResult Get(string id, HttpContext context, [FromServices] CatalogStore store,
        [FromServices] IOptionsMonitor<CatalogOptions> options)
    {
        if (ItemId.Reject(id) is { } invalid)
        {
            return invalid;
        }

        var item = store.Find(id);
        if (item is null)
        {
            return ErrorBody.Result(StatusCodes.Status404NotFound, $"item '{id}' not found");
        }

        if (options.CurrentValue.ETags)
        {
            context.Response.Headers.ETag = item.ETag();
            if (ItemPreconditions.IsNotModified(context.Request, item))
            {
                return TypedResults.StatusCode(StatusCodes.Status304NotModified);
            }
        }

        return new JsonBytesResult(item.Json);
    }

    /// <summary>Replaces the item whole (201 when it is new) and answers with the stored JSON.</summary>
    private static async Task<IResult> PutAsync(string id, HttpContext context, [FromServices] CatalogStore store,
        [FromServices] IOptionsMonitor<CatalogOptions> options)
    {
        if (ItemId.Reject(id) is { } invalid)
        {
            return invalid;
        }

        JsonObject body;
        try
        {
            body = await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted) as JsonObject
                ?? throw new JsonException("the body is not a JSON object");
        }
        catch (JsonException ex)
        {
            return ErrorBody.Result(StatusCodes.Status400BadRequest, $"invalid JSON body: {ex.Message}");
        }
        catch (BadHttpRequestException ex)
        {
            return ErrorBody.Result(ex.StatusCode, ex.Message);
        }

        var etags = options.CurrentValue.ETags;
        while (true)
        {
            var current = store.Find(id);
            if (etags && !ItemPreconditions.IfMatchHolds(context.Request, current))
            {
                return ErrorBody.Result(StatusCodes.Status412PreconditionFailed, "If-Match does not match the current item");
            }

            var next = store.Make(id, body);
            if (store.TrySwap(current, next))
            {
                if (etags)
                {
                    context.Response.Headers.ETag = next.ETag();
                }

                return new JsonBytesResult(next.Json, current is null ? StatusCodes.Status201Created : StatusCodes.Status200OK);
            }
        }
    }
}
