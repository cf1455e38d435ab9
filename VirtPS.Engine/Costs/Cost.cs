using System.Runtime.CompilerServices;
using System.Text.Json;

namespace VirtPS.Engine.Costs;

/// <summary>One primitive event's price in cycles and where that number comes from.</summary>
public sealed record Cost(double Cycles, string Source);
