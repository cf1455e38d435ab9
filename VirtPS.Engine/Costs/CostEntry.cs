using System.Runtime.CompilerServices;
using System.Text.Json;

namespace VirtPS.Engine.Costs;

/// <summary>A cost model's price for one event, as a row: what <c>Get-VCostModel | Select -Expand Costs</c> lists.</summary>
public sealed record CostEntry(CostEvent Event, double Cycles, string Source);
