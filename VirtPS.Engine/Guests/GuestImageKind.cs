using VirtPS.Engine.Costs;

namespace VirtPS.Engine.Guests;

/// <summary>What a guest runs: a built-in workload, a user program under the built-in kernel, or a bare image.</summary>
public enum GuestImageKind
{
    /// <summary>The built-in kernel running a named workload (<see cref="Workload"/>).</summary>
    Workload,
    /// <summary>The built-in kernel running a user program, linked at <see cref="Kernel.UserCodeAddress"/>, as its first processes.</summary>
    UserProgram,
    /// <summary>A bare image, alone on the machine at CPL 0 with no kernel.</summary>
    Bare,
    /// <summary>Java class files, run by the process VM (<see cref="VirtualizationStyle.Application"/>) in a user process of the built-in kernel.</summary>
    ClassFiles,
}
