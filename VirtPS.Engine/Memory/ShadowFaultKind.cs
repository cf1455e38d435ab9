using System.Buffers.Binary;

namespace VirtPS.Engine.Memory;

/// <summary>Why the shadow walk missed: a hidden fault the VMM resolves by filling the shadow, a write to a
/// guest page-table page (traced and emulated), or a true guest fault it reflects to the guest.</summary>
public enum ShadowFaultKind { Hidden, Tracing, True }
