namespace VirtPS.Engine.Network.Frames;

/// <summary>IP protocol numbers (IANA).</summary>
public enum IpProtocol : byte { Icmp = 1, Tcp = 6, Udp = 17 }
