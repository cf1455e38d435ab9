namespace VirtPS.Engine.Network.Frames;

/// <summary>EtherType values (IEEE 802 numbers) this engine speaks.</summary>
public enum EtherType : ushort { IPv4 = 0x0800, Arp = 0x0806 }
