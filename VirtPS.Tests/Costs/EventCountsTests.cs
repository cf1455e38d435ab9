using VirtPS.Engine.Costs;
using Xunit;

namespace VirtPS.Tests.Costs;

public class EventCountsTests
{
    [Fact]
    public void TotalIsCountsTimesPrices()
    {
        var m = CostModel.Builtin("Pentium4-2006");
        var c = new EventCounts();
        c.Add(CostEvent.Instruction, 1000);
        c.Add(CostEvent.VmExit);
        c.Add(CostEvent.VmExit);
        c.Add(CostEvent.PageWalkReference, 24);
        Assert.Equal(2, c[CostEvent.VmExit]);
        double expected = 1000 * m.Cycles(CostEvent.Instruction) + 2 * m.Cycles(CostEvent.VmExit) + 24 * m.Cycles(CostEvent.PageWalkReference);
        Assert.Equal(expected, c.Total(m));
        Assert.Equal(1026, c.Events);
    }

    [Fact]
    public void BreakdownListsNonzeroEventsInEnumOrder()
    {
        var m = CostModel.Default;
        var c = new EventCounts();
        c.Add(CostEvent.Hypercall, 3);
        c.Add(CostEvent.Instruction, 10);
        var lines = c.Breakdown(m);
        Assert.Equal([CostEvent.Instruction, CostEvent.Hypercall], lines.Select(l => l.Event));
        Assert.Equal(new CostLine(CostEvent.Hypercall, 3, m.Cycles(CostEvent.Hypercall), 3 * m.Cycles(CostEvent.Hypercall)), lines[1]);
        Assert.Equal(c.Total(m), lines.Sum(l => l.Cycles));
    }

    [Fact]
    public void SnapshotsAreCopiesAndSubtractToTheDelta()
    {
        var c = new EventCounts();
        c.Add(CostEvent.Trap, 5);
        var before = c.Snapshot();
        c.Add(CostEvent.Trap, 2);
        c.Add(CostEvent.Callout, 7);
        Assert.Equal(5, before[CostEvent.Trap]);
        var delta = c.Snapshot() - before;
        Assert.Equal(2, delta[CostEvent.Trap]);
        Assert.Equal(7, delta[CostEvent.Callout]);
        Assert.Equal(0, delta[CostEvent.Instruction]);
        Assert.Equal(delta.Total(CostModel.Default), c.Subtract(before).Total(CostModel.Default));
    }

    [Fact]
    public void ClearAndIndexerSet()
    {
        var c = new EventCounts();
        c[CostEvent.WorldSwitch] = 4;
        Assert.Equal(4, c[CostEvent.WorldSwitch]);
        c.Clear();
        Assert.Equal(0, c.Events);
        Assert.Empty(c.Breakdown(CostModel.Default));
        Assert.Equal(0, c.Total(CostModel.Default));
    }
}
