namespace VirtPS.Engine;

/// <summary>Where a VMM's device backends run: the source article's three driver models (自主 / 混合 / 寄宿).</summary>
public enum IoModel
{
    /// <summary>The hypervisor holds the device backends and drivers itself (a Type 1 with its own drivers).</summary>
    Autonomous,
    /// <summary>Backends live in a privileged service domain (Xen's Dom0): each request is a domain switch there and back.</summary>
    Hybrid,
    /// <summary>Backends run in the host OS (Type 2): each request is a world switch there and back.</summary>
    Hosted,
}
