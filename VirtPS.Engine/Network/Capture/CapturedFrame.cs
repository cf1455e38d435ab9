using System.Buffers.Binary;

namespace VirtPS.Engine.Network.Capture;

public sealed record CapturedFrame(long TimeMicroseconds, byte[] Data);
