namespace VirtPS.Engine;

/// <summary>How a host's TLBs tell guests apart: not at all (every switch between guests, and every VM entry
/// and exit, must flush them), or by a virtual-processor identifier per guest (Intel VPID, AMD ASID).</summary>
public enum TlbTagging { None, Vpid }
