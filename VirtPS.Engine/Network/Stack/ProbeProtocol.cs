using VirtPS.Engine.Network.Frames;

namespace VirtPS.Engine.Network.Stack;

public enum ProbeProtocol { Icmp, Udp, Tcp }
