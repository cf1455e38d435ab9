using System.Runtime.CompilerServices;
using System.Text.Json;

namespace VirtPS.Engine.Costs;

/// <summary>
/// A cost model that cannot be used: the JSON is malformed, or a field is missing, of the wrong type,
/// negative or unknown. <see cref="Field"/> names the field (<c>costs.VmExit.cycles</c>), so the
/// message and scripts can point at it.
/// </summary>
public sealed class InvalidCostModelException : VirtPSException
{
    public InvalidCostModelException(string origin, string field, string message, Exception? inner = null)
        : base(ErrorIds.InvalidCostModel, ErrorKind.InvalidData, $"{origin}: {message}", origin, inner)
    { Field = field; Origin = origin; }

    /// <summary>The offending field, as a JSON path without the leading <c>$.</c>; <c>$</c> for the document itself.</summary>
    public string Field { get; }
    /// <summary>Where the model came from: a file path or a built-in profile's name.</summary>
    public string Origin { get; }
}
