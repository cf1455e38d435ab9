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
        var costs = host.CostModel;
        foreach (var g in host.Guests)
        {
            long n = g.Vmm.Events[GuestEvent.DomainSwitch];
            if (n == 0) continue;
            Requests += n;
            Guests++;
            // The switches, the device models' handling and the backends' work all run in the service domain.
            var c = g.Vmm.Events.Costs;
            Cycles += n * costs.Cycles(CostEvent.DomainSwitch) + c[CostEvent.DeviceEmulation] * costs.Cycles(CostEvent.DeviceEmulation)
                + c[CostEvent.BackendRequest] * costs.Cycles(CostEvent.BackendRequest) + c[CostEvent.BackendCopyLine] * costs.Cycles(CostEvent.BackendCopyLine);
        }
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
