using System.Runtime.CompilerServices;

namespace VirtPS.Engine.Costs;

/// <summary>One row of a cost breakdown: how often an event happened, its price, and what it cost in all.</summary>
public sealed record CostLine(CostEvent Event, long Count, double CyclesEach, double Cycles)
{
    /// <summary>Short, for lists that show a breakdown inline (Measure-VGuest's Events): "Syscall 2 x 30 = 60".</summary>
    public override string ToString() =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Event} {Count:N0} x {CyclesEach:0.##} = {Cycles:N0}");
}
