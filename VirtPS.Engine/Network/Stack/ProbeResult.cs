using VirtPS.Engine.Network.Frames;

namespace VirtPS.Engine.Network.Stack;

/// <summary>The outcome of one probe (ping, UDP echo, or TCP connect + data + close), as the sender saw it.</summary>
public sealed record ProbeResult(
    string From, Ipv4Address Target, ProbeProtocol Protocol, ushort Port, bool Success, ProbeStatus Status,
    Ipv4Address? ReplySource, long RoundTripMicroseconds, IReadOnlyList<HopRecord> Path);
