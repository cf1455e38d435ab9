using VirtPS.Engine.Network.Frames;
using VirtPS.Engine.Network.Switching;

namespace VirtPS.Engine.Network.Stack;

/// <summary>One interface of an <see cref="IpStack"/>: a MAC, an optional address/prefix, and the adapter that carries its frames.</summary>
public sealed class IpInterface
{
    internal IpInterface(IpStack stack, string name, MacAddress mac) { Stack = stack; Name = name; Mac = mac; }
    public IpStack Stack { get; }
    public string Name { get; }
    public MacAddress Mac { get; }
    public Ipv4Address Address { get; private set; }
    /// <summary>The connected prefix; null while the interface has no address.</summary>
    public Ipv4Subnet? Subnet { get; private set; }
    public INetworkAdapter? Adapter { get; private set; }
    /// <summary>Owner-defined marker (the host uses it to know which virtual network an interface serves).</summary>
    public object? Tag { get; set; }

    public void Configure(Ipv4Address address, Ipv4Subnet subnet) { Address = address; Subnet = subnet; Stack.FlushArp(); }
    public void Unconfigure() { Address = Ipv4Address.Any; Subnet = null; Stack.FlushArp(); }

    public void Attach(INetworkAdapter adapter)
    {
        Detach();
        Adapter = adapter;
        adapter.Receive = f => Stack.OnFrame(this, f);
    }

    public void Detach()
    {
        if (Adapter is not null) Adapter.Receive = null;
        Adapter = null;
    }

    public override string ToString() => $"{Name} {Mac} {(Subnet is null ? "unconfigured" : $"{Address}/{Subnet.Value.PrefixLength}")}";
}
