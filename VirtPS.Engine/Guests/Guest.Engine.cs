using VirtPS.Engine.Cpu;

namespace VirtPS.Engine.Guests;

public sealed partial class Guest
{
    /// <summary>How the simulator runs this guest's code on the host (<see cref="ExecutionEngine"/>), a host-side choice
    /// the guest cannot see: both engines leave the same state and counters. Null for a KVM guest, whose code runs on the
    /// host's processor. A container's is its host's shared kernel's.</summary>
    public ExecutionEngine? Engine => Kvm is not null ? null : Machine.Engine;

    /// <summary>Switches the engine, stopped or between steps (both engines leave the same state, so a run may change
    /// engine at any instruction boundary). StyleNeedsInterpreter for Translator under Emulation, EngineNeedsSimulator on
    /// KVM. A container's engine is its shared kernel's: setting it sets it for every container on that host.</summary>
    public void SetEngine(ExecutionEngine engine)
    {
        GuestSpec.CheckEngine(Style, Backend, engine);
        Machine.Engine = engine;
    }
}
