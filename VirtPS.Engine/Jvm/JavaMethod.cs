namespace VirtPS.Engine.Jvm;

/// <summary>A method_info (JVM spec 4.6) with its Code attribute (4.7.3), as read from the class file, plus what linking
/// gives it: its index in the program's method table and its place in the guest image.</summary>
public sealed class JavaMethod
{
    public required string ClassName { get; init; }
    public required int Access { get; init; }
    public required string Name { get; init; }
    public required string Descriptor { get; init; }
    /// <summary>The Code attribute, or null for an abstract or native method.</summary>
    public byte[]? Code { get; init; }
    public int MaxStack { get; init; }
    public int MaxLocals { get; init; }
    public int ExceptionTableLength { get; init; }

    public bool IsStatic => (Access & 0x0008) != 0;
    public bool IsPrivate => (Access & 0x0002) != 0;
    public bool IsAbstract => Code is null;

    // ---- linking ----
    /// <summary>Index in the program's method table (-1: abstract, no code).</summary>
    public int Index { get; internal set; } = -1;
    /// <summary>The vtable slot of a virtual method (-1: static, private or a constructor).</summary>
    public int VtableSlot { get; internal set; } = -1;
    /// <summary>Argument values pushed by a caller (the receiver included; a long is one value).</summary>
    public int ArgValues { get; internal set; }
    /// <summary>The JVM local index each argument value lands in (a long takes two).</summary>
    public int[] ArgLocals { get; internal set; } = [];
    /// <summary>The local variable slots the arguments take (a long takes two): where the method's other locals start.</summary>
    public int ArgSlots { get; internal set; }
    /// <summary>The return type's descriptor character ('V' for void).</summary>
    public char Return { get; internal set; }
    /// <summary>The verified, lowered instructions (null for an abstract method).</summary>
    internal IReadOnlyList<PreparedInsn>? Prepared { get; set; }
    /// <summary>Bytes of the lowered code the guest interpreter runs.</summary>
    public int PreparedSize { get; internal set; }

    public override string ToString() => $"{ClassName}.{Name}{Descriptor}";
}
