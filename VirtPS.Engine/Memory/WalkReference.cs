using System.Buffers.Binary;

namespace VirtPS.Engine.Memory;

/// <summary>
/// One memory reference of a page walk, in the order the walk made it: the table it read (its guest-physical
/// address for a guest table; EPT and shadow tables live in host memory and have none), the entry, and for an
/// EPT reference the guest-physical address being translated.
/// </summary>
public sealed record WalkReference(WalkDimension Dimension, int Level, ulong? TableGpa, ulong TableHpa, ulong Entry, string Flags, ulong? ForGpa);
