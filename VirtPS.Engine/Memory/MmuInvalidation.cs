namespace VirtPS.Engine.Memory;

/// <summary>What the guest invalidated (see <see cref="IGuestMmu.Invalidate"/>).</summary>
public enum MmuInvalidation { PagingControls, Page, Pcid }
