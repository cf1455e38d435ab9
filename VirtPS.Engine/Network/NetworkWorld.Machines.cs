using VirtPS.Engine.Network.Frames;

namespace VirtPS.Engine.Network;

/// <summary>Machine guests' own NICs (devices their kernels drive) on the virtual networks.</summary>
public sealed partial class NetworkWorld
{
    readonly List<MachinePort> _machinePorts = new();

    /// <summary>Every machine NIC's port.</summary>
    public IReadOnlyList<MachinePort> MachinePorts => _machinePorts.ToList();

    /// <summary>A MAC for a new machine NIC: the next free one of the guests' locally administered range.</summary>
    public MacAddress NewMachineMac() => NextGuestMac();

    /// <summary>
    /// Gives a machine guest's NIC (MAC <paramref name="mac"/>) a port on <paramref name="network"/>'s switch and an address:
    /// a static lease from the DHCP pool the mode uses (the LAN's gateway when bridged, the network's own otherwise), so no
    /// other guest is given it. The caller connects the device to the port (it is an <c>INetworkAdapter</c>) and tells the
    /// guest's kernel the address. Errors: NetworkNotFound, InvalidMacAddress, DuplicateMacAddress, AddressPoolExhausted.
    /// </summary>
    public MachinePort ConnectMachine(string guest, string network, MacAddress mac)
    {
        if (string.IsNullOrWhiteSpace(guest))
            throw new VirtPSException(ErrorIds.GuestNotFound, ErrorKind.ObjectNotFound, "A guest name is required.", guest);
        var n = GetNetwork(network);
        if (mac.IsGroup || mac.Value == 0)
            throw new VirtPSException(ErrorIds.InvalidMacAddress, ErrorKind.InvalidArgument, $"{mac} is a group or zero address; a NIC needs a unicast MAC.", mac.ToString());
        if (MacInUse(mac))
            throw new VirtPSException(ErrorIds.DuplicateMacAddress, ErrorKind.ResourceExists, $"MAC address {mac} is already in use.", mac.ToString());
        var pool = n.Mode == NetworkMode.Bridge ? LanDhcp : n.Dhcp!;
        var lease = pool.Lease(mac);
        var port = n.Switch.AddPort($"{guest}.{mac}");
        var p = new MachinePort(guest, mac, n, port, lease, Sim) { Sequence = ++_connections };
        _machinePorts.Add(p);
        Sim.Log(n.Name, $"machine {guest} {mac} connected, {lease.Address}/{lease.Subnet.PrefixLength}");
        return p;
    }

    /// <summary>Takes a machine NIC's port off its switch and returns its address to the pool.</summary>
    public void DisconnectMachine(MachinePort port)
    {
        if (!_machinePorts.Remove(port)) return;
        port.Receive = null;
        port.Network.Switch.RemovePort(port.Port);
        LanDhcp.Release(port.Mac);
        port.Network.Dhcp?.Release(port.Mac);
    }
}
