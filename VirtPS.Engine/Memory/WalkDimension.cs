using System.Buffers.Binary;

namespace VirtPS.Engine.Memory;

/// <summary>Which table a page-walk reference read: one of the guest's own, an EPT table (nested paging), or
/// one of a shadow-paging VMM's tables.</summary>
public enum WalkDimension { Guest, Nested, Shadow }
