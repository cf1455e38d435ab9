namespace VirtPS.Engine.Memory;

/// <summary>A cached translation: the final GVA → HPA page (and the GPA it went through), and the permissions
/// the whole walk granted.</summary>
public readonly record struct TlbEntry(ulong HostFrame, ulong GuestPhysical, ulong PageSize, bool Writable, bool User,
    bool Executable, bool Dirty);
