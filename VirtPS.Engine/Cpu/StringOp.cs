namespace VirtPS.Engine.Cpu;

/// <summary>The string instructions' kinds.</summary>
internal enum StringOp : byte { Movs, Stos, Lods, Cmps, Scas, Ins, Outs }
