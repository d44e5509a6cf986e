using System.Text.Json;
using System.Text.Json.Serialization;
using Backends.Orders.Api;
using Backends.Orders.Stats;
using Backends.Orders.Store;

namespace Backends.Orders.Hosting;

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(Order))]
[JsonSerializable(typeof(Order[]))]
[JsonSerializable(typeof(OrderInput))]
[JsonSerializable(typeof(ErrorBody))]
[JsonSerializable(typeof(StatsBody))]
[JsonSerializable(typeof(HealthBody))]
internal sealed partial class OrdersJsonContext : JsonSerializerContext;
