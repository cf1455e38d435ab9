using VirtPS.Engine.Network.Frames;

namespace VirtPS.Engine.Network.Stack;

/// <summary>A routing table entry. Gateway <see cref="Ipv4Address.Any"/> means on-link (a connected route).</summary>
public sealed record Route(Ipv4Subnet Destination, Ipv4Address Gateway, string Interface, RouteKind Kind)
{
    public override string ToString() => $"{Destination} via {(Gateway == Ipv4Address.Any ? "on-link" : Gateway.ToString())} dev {Interface} ({Kind})";
}
