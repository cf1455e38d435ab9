namespace VirtPS.Engine.Network.Frames;

/// <summary>TCP control bits (RFC 793 section 3.1).</summary>
[Flags]
public enum TcpFlags : byte { None = 0, Fin = 1, Syn = 2, Rst = 4, Psh = 8, Ack = 16 }
