using System.Buffers.Binary;

namespace VirtPS.Engine.Memory;

/// <summary>What an access is for; decides the permission checks and the #PF error code.</summary>
public enum AccessKind : byte { Read, Write, Execute }
