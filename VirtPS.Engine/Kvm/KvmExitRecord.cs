using System.Diagnostics;

namespace VirtPS.Engine.Kvm;

/// <summary>
/// One exit reason's totals on a KVM guest, with the host time it took, measured with the host's clock around
/// each KVM_RUN call: <see cref="MeanMicroseconds"/> is the KVM_RUN call that ended in the exit plus the VMM's
/// handling of it (for exits that come back to back, the exit's whole round trip: VM exit, the kernel's return
/// to userspace, the device model, and the entry back); <see cref="MinMicroseconds"/> the shortest such round
/// trip, the nearest a measurement gets to the bare cost.
/// </summary>
public sealed record KvmExitRecord(KvmExitReason Reason, long Count, double MeanMicroseconds, double MinMicroseconds, double HandlerMicroseconds);
