namespace VirtPS.Engine;

/// <summary>How a guest's CPU is virtualized (see the classes in <c>VirtPS.Engine.Styles</c>).</summary>
public enum VirtualizationStyle
{
    /// <summary>The bare simulated machine: the baseline every other style is compared with.</summary>
    Native,
    /// <summary>Every instruction interpreted, with a software MMU (Bochs).</summary>
    Emulation,
    /// <summary>The guest kernel deprivileged to CPL 1; privileged instructions trap (Popek &amp; Goldberg).</summary>
    TrapAndEmulate,
    /// <summary>Guest kernel code translated block by block, sensitive instructions turned into callouts (VMware).</summary>
    BinaryTranslation,
    /// <summary>VMX non-root mode with VM exits (Intel VT-x).</summary>
    HardwareAssisted,
    /// <summary>A modified guest kernel that makes hypercalls (Xen).</summary>
    Paravirtual,
    /// <summary>OS-level virtualization: containers on one shared kernel, isolated by its namespaces and cgroups.</summary>
    Container,
    /// <summary>No foreign kernel: a Windows PE loaded into a process of the built-in kernel, its KERNEL32 calls
    /// translated into that kernel's system calls by a user-mode layer (Wine).</summary>
    Library,
    /// <summary>A process VM: real class files interpreted and compiled to x86-64 in a user process of the built-in kernel (the JVM).</summary>
    Application,
}
