namespace VirtPS;

/// <summary>Conditions <c>Invoke-VStep -Until</c> runs a guest to.</summary>
public enum StepUntil
{
    /// <summary>Run until the guest executes HLT (or faults).</summary>
    Halt,
}
