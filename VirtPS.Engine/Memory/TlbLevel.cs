namespace VirtPS.Engine.Memory;

/// <summary>Where a lookup was satisfied.</summary>
public enum TlbLevel { L1, Stlb, Miss }
