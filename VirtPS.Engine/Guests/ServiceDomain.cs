using VirtPS.Engine.Costs;
using VirtPS.Engine.Trace;

namespace VirtPS.Engine.Guests;

/// <summary>
/// The privileged service domain of a host whose driver model is <see cref="IoModel.Hybrid"/> (Xen's Dom0): it holds the
/// device backends, so each backend request of a guest is a domain switch into it and back. Its CPU time is the switches
/// and the device-model work done there, priced by the host's cost model.
/// </summary>
public sealed class ServiceDomain
{
    internal ServiceDomain(VHost host)
    {
        Host = host.Name;
        foreach (var g in host.Guests)
        {
            long n = g.Vmm.Events[GuestEvent.DomainSwitch];
            if (n == 0) continue;
            Requests += n;
            Guests++;
        }
        var costs = host.CostModel;
        Cycles = Requests * (costs.Cycles(CostEvent.DomainSwitch) + costs.Cycles(CostEvent.DeviceEmulation));
    }

    public string Name => "Dom0";
    public string Host { get; }
    /// <summary>Backend requests served, each a domain switch there and back.</summary>
    public long Requests { get; }
    /// <summary>Guests whose requests it served.</summary>
    public int Guests { get; }
    /// <summary>Its own CPU time: the switches and the device-model work, in cycles of the host's cost model.</summary>
    public double Cycles { get; }
    public override string ToString() => $"{Name} on {Host}: {Requests} requests, {Cycles:N0} cycles";
}
