using VirtPS.Engine.Network.Capture;
using VirtPS.Engine.Network.Frames;

namespace VirtPS.Engine.Network.Switching;

public sealed record MacTableEntry(MacAddress Mac, string Port, long AgeMicroseconds);
