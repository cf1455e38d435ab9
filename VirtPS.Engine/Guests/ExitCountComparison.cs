using VirtPS.Engine.Kvm;
namespace VirtPS.Engine.Guests;

/// <summary>
/// One kind of exit counted on both backends: what the simulator's HardwareAssisted style counted (by SDM exit
/// reason, IO exits by port, MSR exits by MSR) beside the exits that reached the VMM from KVM, whether they agree,
/// and why they differ when they do.
/// </summary>
public sealed record ExitCountComparison(string Exit, long Simulator, long Kvm, bool Agrees, string Note)
{
    public override string ToString() => $"{Exit}: simulator {Simulator}, KVM {Kvm}{(Agrees ? "" : " (differ)")}{(Note.Length > 0 ? " — " + Note : "")}";
}
