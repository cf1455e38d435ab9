namespace VirtPS.Engine.Cpu;

/// <summary>General-purpose registers in their x86-64 encoding order (Intel SDM Vol. 2, Table 2-2).</summary>
public enum Gpr
{
    Rax, Rcx, Rdx, Rbx, Rsp, Rbp, Rsi, Rdi, R8, R9, R10, R11, R12, R13, R14, R15,
}
