using VirtPS.Engine.Memory;

namespace VirtPS.Engine.Cpu;

public readonly record struct RunResult(long Retired, RunStop Stop);
