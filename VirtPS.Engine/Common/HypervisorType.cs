namespace VirtPS.Engine;

/// <summary>Where the hypervisor runs, in Robert P. Goldberg's terms (1973).</summary>
public enum HypervisorType
{
    /// <summary>On the bare hardware (Xen, ESXi, Hyper-V).</summary>
    Type1,
    /// <summary>Hosted by an operating system, reached through world switches (VMware Workstation, VirtualBox).</summary>
    Type2,
}
