using VirtPS.Engine.Network.Frames;

namespace VirtPS.Engine.Network;

/// <summary>
/// The address pool of a segment: sticky leases per client MAC and a router option. A stack serves it on the wire
/// (<see cref="Stack.IpStack.ServeDhcp"/>); Isolated networks, which have no server, take addresses from it directly.
/// </summary>
public sealed class DhcpServer
{
    readonly Dictionary<MacAddress, DhcpLease> _leases = new();

    public DhcpServer(string name, Ipv4Subnet subnet, int firstHost, Ipv4Address? router, Simulator sim)
    { Name = name; Subnet = subnet; FirstHost = firstHost; Router = router; _sim = sim; }

    readonly Simulator _sim;
    public string Name { get; }
    public Ipv4Subnet Subnet { get; }
    public int FirstHost { get; }
    public Ipv4Address? Router { get; }
    public IReadOnlyCollection<DhcpLease> Leases => _leases.Values;

    public DhcpLease Lease(MacAddress client)
    {
        if (_leases.TryGetValue(client, out var l)) return l;
        var used = _leases.Values.Select(x => x.Address).ToHashSet();
        int size = 1 << (32 - Subnet.PrefixLength);
        for (int n = FirstHost; n < size - 1; n++)
        {
            var a = Subnet.Host(n);
            if (used.Contains(a)) continue;
            l = new DhcpLease(client, a, Subnet, Router);
            _leases[client] = l;
            _sim.Log(Name, $"lease {a} to {client}{(Router is { } r ? $", router {r}" : "")}");
            return l;
        }
        throw new VirtPSException(ErrorIds.AddressPoolExhausted, ErrorKind.LimitsExceeded, $"{Name}: no free address in {Subnet}.", Subnet.ToString());
    }

    public void Release(MacAddress client) => _leases.Remove(client);
}
