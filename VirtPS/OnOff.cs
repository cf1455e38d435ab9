using VirtPS.Engine.Guests;
using VirtPS.Engine.Memory;

namespace VirtPS;

/// <summary>A setting that is either on or off (PCIDs, walk caches, the nested TLB).</summary>
public enum OnOff { Off, On }
