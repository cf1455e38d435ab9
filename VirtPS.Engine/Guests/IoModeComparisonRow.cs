using VirtPS.Engine.Io;

namespace VirtPS.Engine.Guests;

/// <summary>One run of <see cref="IoModeComparison"/>: a workload's device in one IO mode, under one style and driver model.</summary>
public sealed record IoModeComparisonRow(
    string Workload, IoMode Mode, VirtualizationStyle Style, IoModel IoModel,
    long Requests, long Bytes, double ExitsPerRequest, double NotificationsPerRequest, double InterruptsPerRequest,
    long DomainSwitches, long WorldSwitches, double Cycles, double CyclesPerKiB, double RatioToPassthrough, string Output);
