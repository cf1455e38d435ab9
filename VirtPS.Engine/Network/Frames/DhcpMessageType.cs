using System.Buffers.Binary;

namespace VirtPS.Engine.Network.Frames;

/// <summary>DHCP message types, option 53 of RFC 2132.</summary>
public enum DhcpMessageType : byte { Discover = 1, Offer = 2, Request = 3, Decline = 4, Ack = 5, Nak = 6, Release = 7 }
