namespace VirtPS.Engine.Styles;

/// <summary>Basic VM-exit reasons, numbered as the Intel SDM Vol. 3D, Appendix C, numbers them.</summary>
public enum ExitReason
{
    ExceptionOrNmi = 0,
    ExternalInterrupt = 1,
    TripleFault = 2,
    InterruptWindow = 7,
    Cpuid = 10,
    Hlt = 12,
    Invd = 13,
    Invlpg = 14,
    Rdtsc = 16,
    Vmcall = 18,
    ControlRegisterAccess = 28,
    IoInstruction = 30,
    Rdmsr = 31,
    Wrmsr = 32,
    TprBelowThreshold = 43,
    EptViolation = 48,
    EptMisconfiguration = 49,
    Wbinvd = 54,
    Invpcid = 58,
}

