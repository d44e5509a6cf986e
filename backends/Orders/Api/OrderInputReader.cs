using System.Text.Json;
using Backends.Orders.Hosting;

namespace Backends.Orders.Api;

internal static class OrderInputReader
{
    /// <summary>Reads and validates a JSON body; on failure the 400/413 answer to give instead.</summary>
    public static async Task<(OrderInput? Input, IResult? Error)> ReadAsync(
        HttpRequest request, string? routeId, CancellationToken cancellationToken)
    {
        OrderInput? input;
        try
        {
            input = await JsonSerializer.DeserializeAsync(request.Body, OrdersJsonContext.Default.OrderInput, cancellationToken);
        }
        catch (JsonException ex)
        {
            return (null, ApiResults.Error(StatusCodes.Status400BadRequest, $"invalid JSON body: {ex.Message}"));
        }
        catch (BadHttpRequestException ex)
        {
            // Kestrel's MaxRequestBodySize (413) and malformed framing end up here.
            return (null, ApiResults.Error(ex.StatusCode, ex.Message));
        }

        if (input is null)
        {
            return (null, ApiResults.Error(StatusCodes.Status400BadRequest, "a JSON object body is required"));
        }

        var problem = input.Validate(routeId);
        return problem is null ? (input, null) : (null, ApiResults.Error(StatusCodes.Status400BadRequest, problem));
    }
}
