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
}
