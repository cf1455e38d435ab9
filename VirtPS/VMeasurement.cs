using VirtPS.Engine.Guests;

namespace VirtPS;

/// <summary>What a guest (its whole life) or one step of it cost: instructions, cycles, host time, MIPS.</summary>
public sealed class VMeasurement
{
    internal VMeasurement(Guest guest)
    {
        Name = guest.Name; Style = guest.Style; Scope = "Guest"; State = guest.State;
        Instructions = guest.Instructions; Cycles = guest.Cycles; HostSeconds = guest.HostSeconds;
        ResidentBytes = guest.ResidentBytes;
    }

    internal VMeasurement(StepResult step)
    {
        Name = step.Guest.Name; Style = step.Guest.Style; Scope = "Step"; State = step.Guest.State;
        StopReason = step.StopReason;
        Instructions = step.Instructions; Cycles = step.Cycles; HostSeconds = step.HostSeconds;
        ResidentBytes = step.Guest.ResidentBytes;
    }

    public string Name { get; }
    public VirtualizationStyle Style { get; }
    /// <summary><c>Guest</c> for a guest's totals, <c>Step</c> for one step.</summary>
    public string Scope { get; }
    public GuestState State { get; }
    /// <summary>Why the measured step stopped; empty for a guest's totals.</summary>
    public StopReason? StopReason { get; }
    public long Instructions { get; }
    public long Cycles { get; }
    public double HostSeconds { get; }
    /// <summary>Guest instructions per host second, in millions.</summary>
    public double Mips => HostSeconds > 0 ? Instructions / HostSeconds / 1e6 : 0;
    /// <summary>Simulated cycles per instruction.</summary>
    public double Cpi => Instructions > 0 ? (double)Cycles / Instructions : 0;
    /// <summary>Guest memory backed by host frames, in bytes.</summary>
    public long ResidentBytes { get; }
}
