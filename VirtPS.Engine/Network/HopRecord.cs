namespace VirtPS.Engine.Network;

/// <summary>One step of a packet's path: which device did what, at what simulated time.</summary>
public sealed record HopRecord(long TimeMicroseconds, string Device, string Action)
{
    public override string ToString() => $"{TimeMicroseconds,8}us {Device}: {Action}";
}
