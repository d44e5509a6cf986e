using System.Text.Json;
using System.Text.Json.Serialization;
using Backends.Catalog.Faults;
using Backends.Catalog.Items;
using Backends.Catalog.Stats;

namespace Backends.Catalog.Hosting;

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(ErrorBody))]
[JsonSerializable(typeof(StatsBody))]
[JsonSerializable(typeof(FaultState))]
internal sealed partial class CatalogJsonContext : JsonSerializerContext;
