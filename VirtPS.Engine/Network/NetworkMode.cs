namespace VirtPS.Engine.Network;

/// <summary>How a virtual network connects to the host and the world (VirtualBox / Hyper-V terms).</summary>
public enum NetworkMode
{
    /// <summary>Guests are peers on the physical LAN: the host NIC bridges (VirtualBox "bridged", Hyper-V "external").</summary>
    Bridge,
    /// <summary>Guests only (VirtualBox "internal network", Hyper-V "private" switch).</summary>
    Isolated,
    /// <summary>Guests and the host's virtual interface, nothing forwarded outward (VirtualBox "host-only", Hyper-V "internal").</summary>
    HostOnly,
    /// <summary>The host routes between the guests' subnet and the LAN; the outside needs a static route back.</summary>
    Routed,
    /// <summary>The host masquerades guests behind pnet0 (VirtualBox NAT, Hyper-V WinNAT).</summary>
    Nat,
}
