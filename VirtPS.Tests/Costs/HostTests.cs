using System.Runtime.CompilerServices;
using VirtPS.Engine;
using VirtPS.Engine.Costs;
using VirtPS.Engine.Guests;
using Xunit;

namespace VirtPS.Tests.Costs;

public class HostTests
{
    [Fact]
    public void ALabAlwaysHasTheDefaultHost()
    {
        var lab = new Lab();
        var h = Assert.Single(lab.Hosts);
        Assert.Equal("default", h.Name);
        Assert.Equal(HypervisorType.Type1, h.Type);
        Assert.Equal(1, h.PhysicalCpus);
        Assert.Equal("Modern", h.CostModel.Name);
        var e = Assert.Throws<VirtPSException>(() => lab.RemoveHost(h));
        Assert.Equal("DefaultHostCannotBeRemoved", e.ErrorId);
    }

    [Fact]
    public void HostsAreCheckedBeforeTheyExist()
    {
        var lab = new Lab();
        Assert.Equal("InvalidPhysicalCpus", Assert.Throws<VirtPSException>(() => lab.AddHost("h", physicalCpus: 0)).ErrorId);
        Assert.Equal("InvalidHostName", Assert.Throws<VirtPSException>(() => lab.AddHost("bad name")).ErrorId);
        Assert.Equal("HostNameInUse", Assert.Throws<VirtPSException>(() => lab.AddHost("DEFAULT")).ErrorId);
        Assert.Single(lab.Hosts);
    }

    [Fact]
    public void UpdateChangesNothingWhenAValueIsBad()
    {
        var lab = new Lab();
        var h = lab.AddHost("h", HypervisorType.Type2, 2);
        Assert.Throws<VirtPSException>(() => h.Update(HypervisorType.Type1, -1, CostModel.Builtin("Pentium4-2006")));
        Assert.Equal(HypervisorType.Type2, h.Type);
        Assert.Equal("Modern", h.CostModel.Name);
        h.Update(costModel: CostModel.Builtin("Pentium4-2006"));
        Assert.Equal("Pentium4-2006", h.CostModel.Name);
    }

    [Fact]
    public void AGuestIsPricedByItsHostsModel()
    {
        var lab = new Lab();
        var g = Guest.Create("g", VirtualizationStyle.Native, 4, [0xF4]);
        lab.Add(g);
        lab.DefaultHost.Update(costModel: CostModel.Builtin("Pentium4-2006"));
        Assert.Same(CostModel.Builtin("Pentium4-2006"), g.Costs);
        Assert.Equal([g], lab.DefaultHost.Guests);
    }

    [Fact]
    public void AHostWithGuestsCannotBeRemoved()
    {
        var lab = new Lab();
        var h = lab.AddHost("h");
        var g = Guest.Create("g", VirtualizationStyle.Native, 4, [0xF4]);
        g.Host = h;
        lab.Add(g);
        Assert.Equal("HostHasGuests", Assert.Throws<VirtPSException>(() => lab.RemoveHost(h)).ErrorId);
        lab.Remove(g);
        Assert.True(lab.RemoveHost(h));
    }

    [Fact]
    public void ARemovedGuestIsCollectedThoughItRanCoScheduledOnTheHost()
    {
        // The host's physical CPU keeps the guest that ran last and reports its TLB's drops to that guest's processor:
        // removing the guest from the lab must let go of both, or every co-scheduled guest would live as long as its host.
        var lab = new Lab();
        var h = lab.AddHost("h");
        var (guest, processor) = RunTwoAndRemove(lab, h);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        Assert.False(guest.IsAlive, "the removed guest is still reachable");
        Assert.False(processor.IsAlive, "the removed guest's processor is still reachable");
        // The CPU still works for the next guest, which finds the caches used by another and starts with its own view.
        var next = Guest.CreateWorkload("c", "compute", iterations: 100, style: VirtualizationStyle.HardwareAssisted);
        lab.Add(next, h);
        Assert.Equal(StopReason.Halt, HostScheduler.Run([next], null)[0].StopReason);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    static (WeakReference Guest, WeakReference Processor) RunTwoAndRemove(Lab lab, VHost h)
    {
        var a = Guest.CreateWorkload("a", "compute", iterations: 100, style: VirtualizationStyle.HardwareAssisted);
        var b = Guest.CreateWorkload("b", "compute", iterations: 100, style: VirtualizationStyle.HardwareAssisted);
        lab.Add(a, h);
        lab.Add(b, h);
        foreach (var r in HostScheduler.Run([a, b], null)) Assert.Equal(StopReason.Halt, r.StopReason);
        var last = Assert.Single(h.Cpus).Current!;
        Assert.True(lab.Remove(a));
        Assert.True(lab.Remove(b));
        return (new WeakReference(last), new WeakReference(last.Machine.Cpu));
    }
}
