using VirtPS.Engine.Io;
using VirtPS.Engine.Io.Net;
using VirtPS.Engine.Network;

namespace VirtPS.Engine.Guests;

public sealed partial class Guest
{
    /// <summary>
    /// Gives the guest a NIC in <paramref name="mode"/> (NE2000, virtio-net, or virtio-net assigned), plugged into
    /// <paramref name="network"/> of <paramref name="world"/>, named eth0, eth1, ... unless named. The network leases it an
    /// address, which the built-in kernel is told on its command line (<see cref="BootInfo"/>) as Linux is told a static
    /// address: <c>ip=192.168.1.100/24</c> (the client-ip of Linux's ip= parameter, with a prefix length), and for an NE2000,
    /// which as an ISA card cannot be enumerated, where it is: <c>ether=10,0x300,eth0</c>. Before the first step. The MAC is the
    /// next free one unless given (a lab file keeps each NIC's).
    /// </summary>
    public NetworkAdapter AddNetworkAdapter(NetworkWorld world, string network, IoMode mode, string? name = null, Network.Frames.MacAddress? macAddress = null)
    {
        CheckStopped("add a network adapter");
        name ??= NextName("eth", digits: true);
        var mac = macAddress ?? world.NewMachineMac();
        var nic = new NetworkAdapter(name, mac, mode);
        var port = world.ConnectMachine(Name, network, mac);
        try { AddDevice(nic); }
        catch { world.DisconnectMachine(port); throw; }
        nic.Address = port.Address;
        nic.PrefixLength = port.Subnet.PrefixLength;
        nic.Connect(port);
        WriteNetworkCommandLine(nic);
        return nic;
    }

    /// <summary>Tells the kernel its NIC's address, and where an NE2000 is: an ISA card cannot be enumerated, so Linux is told
    /// by ether=irq,io,name, and so is the built-in kernel. Written again when the NIC's mode changes.</summary>
    internal void WriteNetworkCommandLine(NetworkAdapter nic)
    {
        string ether = nic.Mode == IoMode.Emulated ? $" ether={Ne2000.DefaultIrq},0x{Ne2000.DefaultBase:x},{nic.Name}" : "";
        BootInfo.Write(Machine.Memory, $"ip={nic.Address}/{nic.PrefixLength}{ether}");
    }
}
