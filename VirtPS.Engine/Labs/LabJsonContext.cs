using System.Text.Json.Serialization;

namespace VirtPS.Engine.Labs;

/// <summary>The lab file's serializer, generated at build time (no reflection): camelCase names, enums by name, unknown
/// fields refused, nulls left out.</summary>
[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, UseStringEnumConverter = true,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow, RespectRequiredConstructorParameters = true,
    ReadCommentHandling = System.Text.Json.JsonCommentHandling.Skip, AllowTrailingCommas = true)]
[JsonSerializable(typeof(LabDocument))]
internal sealed partial class LabJsonContext : JsonSerializerContext;
