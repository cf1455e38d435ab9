using System.Buffers.Binary;

namespace VirtPS.Engine.Memory;

/// <summary>What stopped an EPT translation: an EPT violation (exit reason 48) or misconfiguration (49).</summary>
public enum EptExitKind { None, Violation, Misconfiguration }
