namespace VirtPS.Engine.Cpu;

/// <summary>A descriptor-table register (GDTR, IDTR): base and limit.</summary>
public readonly record struct TableRegister(ulong Base, ushort Limit);
