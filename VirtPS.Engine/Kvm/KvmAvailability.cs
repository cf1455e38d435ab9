namespace VirtPS.Engine.Kvm;

/// <summary>Whether KVM can be used here, and if not, why (<see cref="KvmBackend.Probe"/>).</summary>
public sealed record KvmAvailability(bool Available, string DevicePath, string Reason, int? ApiVersion);
