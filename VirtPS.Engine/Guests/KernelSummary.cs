using System.Collections.Concurrent;
using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using VirtPS.Engine.Asm;

namespace VirtPS.Engine.Guests;

/// <summary>The counts the kernel prints when every process has exited.</summary>
public sealed record KernelSummary(long Processes, long Syscalls, long PageFaults, long ContextSwitches, long Ticks,
    long YieldSwitches, long TimerSwitches, long ExitSwitches, long DivideErrors, long Cr3Loads);
