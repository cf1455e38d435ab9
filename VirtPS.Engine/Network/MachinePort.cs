using VirtPS.Engine.Network.Frames;
using VirtPS.Engine.Network.Switching;

namespace VirtPS.Engine.Network;

/// <summary>
/// Where a machine guest's own NIC (a device its kernel drives: NE2000, virtio-net) is plugged into a virtual network: a
/// switch port, and the address the network gave the guest (a static lease from the network's DHCP pool, which the
/// guest's kernel is told at boot rather than asking for on the wire). A frame the NIC sends is carried at once: the
/// network's simulator runs <see cref="DeliveryWindowMicroseconds"/> of simulated time, so the switch forwards it and any
/// node that answers at once (an engine stack's ARP or echo reply) has answered before the sending guest goes on. Machine
/// guests run in guest instructions, the network in microseconds; this keeps the two in one deterministic order.
/// </summary>
public sealed class MachinePort : INetworkAdapter
{
    /// <summary>Simulated time run after each frame a machine NIC sends: a few LAN crossings and an engine node's answer.</summary>
    public const long DeliveryWindowMicroseconds = 1_000;

    readonly Simulator _sim;

    internal MachinePort(string guest, MacAddress mac, VirtualNetwork network, SwitchPort port, DhcpLease lease, Simulator sim)
    {
        GuestName = guest; Mac = mac; Network = network; Port = port; Lease = lease; _sim = sim;
    }

    public string GuestName { get; }
    /// <summary>When it was connected, among all of this world's adapters and machine NICs (DHCP leases follow that order).</summary>
    public long Sequence { get; internal init; }
    public string Name => Port.Name;
    public MacAddress Mac { get; }
    public VirtualNetwork Network { get; }
    public SwitchPort Port { get; }
    internal DhcpLease Lease { get; }
    public Ipv4Address Address => Lease.Address;
    public Ipv4Subnet Subnet => Lease.Subnet;
    public Ipv4Address? Router => Lease.Router;

    public Action<byte[]>? Receive { get => Port.Receive; set => Port.Receive = value; }

    public void Send(byte[] frame)
    {
        Port.Send(frame);
        _sim.Run(_sim.Now + DeliveryWindowMicroseconds);
    }

    public override string ToString() => $"{GuestName} {Mac} on {Network.Name} {Address}/{Subnet.PrefixLength}";
}
