using VirtPS.Engine.Io;

namespace VirtPS.Engine.Guests;

/// <summary>One run of <see cref="IoModeComparison"/>: a workload's device in one IO mode, under one style and driver model.
/// The per-request figures are the device's; DomainSwitches and WorldSwitches are every backend request of the run (the disk's,
/// the console's and the boot probe's), as the cycles are the whole run's.</summary>
public sealed record IoModeComparisonRow(
    string Workload, IoMode Mode, VirtualizationStyle Style, IoModel IoModel,
    long Requests, long Bytes, double ExitsPerRequest, double NotificationsPerRequest, double InterruptsPerRequest,
    long DomainSwitches, long WorldSwitches, double Cycles, double CyclesPerKiB, double RatioToPassthrough, string Output);
