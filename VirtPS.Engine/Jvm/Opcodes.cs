namespace VirtPS.Engine.Jvm;

/// <summary>The JVM's opcodes by number, with their mnemonics and lengths (JVM spec SE 17, chapter 6 and 7).</summary>
public static class Opcodes
{
    static readonly string[] Names =
    [
        "nop", "aconst_null", "iconst_m1", "iconst_0", "iconst_1", "iconst_2", "iconst_3", "iconst_4", "iconst_5", "lconst_0", "lconst_1",
        "fconst_0", "fconst_1", "fconst_2", "dconst_0", "dconst_1", "bipush", "sipush", "ldc", "ldc_w", "ldc2_w",
        "iload", "lload", "fload", "dload", "aload", "iload_0", "iload_1", "iload_2", "iload_3", "lload_0", "lload_1", "lload_2", "lload_3",
        "fload_0", "fload_1", "fload_2", "fload_3", "dload_0", "dload_1", "dload_2", "dload_3", "aload_0", "aload_1", "aload_2", "aload_3",
        "iaload", "laload", "faload", "daload", "aaload", "baload", "caload", "saload",
        "istore", "lstore", "fstore", "dstore", "astore", "istore_0", "istore_1", "istore_2", "istore_3", "lstore_0", "lstore_1", "lstore_2", "lstore_3",
        "fstore_0", "fstore_1", "fstore_2", "fstore_3", "dstore_0", "dstore_1", "dstore_2", "dstore_3", "astore_0", "astore_1", "astore_2", "astore_3",
        "iastore", "lastore", "fastore", "dastore", "aastore", "bastore", "castore", "sastore",
        "pop", "pop2", "dup", "dup_x1", "dup_x2", "dup2", "dup2_x1", "dup2_x2", "swap",
        "iadd", "ladd", "fadd", "dadd", "isub", "lsub", "fsub", "dsub", "imul", "lmul", "fmul", "dmul", "idiv", "ldiv", "fdiv", "ddiv",
        "irem", "lrem", "frem", "drem", "ineg", "lneg", "fneg", "dneg", "ishl", "lshl", "ishr", "lshr", "iushr", "lushr",
        "iand", "land", "ior", "lor", "ixor", "lxor", "iinc",
        "i2l", "i2f", "i2d", "l2i", "l2f", "l2d", "f2i", "f2l", "f2d", "d2i", "d2l", "d2f", "i2b", "i2c", "i2s",
        "lcmp", "fcmpl", "fcmpg", "dcmpl", "dcmpg", "ifeq", "ifne", "iflt", "ifge", "ifgt", "ifle",
        "if_icmpeq", "if_icmpne", "if_icmplt", "if_icmpge", "if_icmpgt", "if_icmple", "if_acmpeq", "if_acmpne",
        "goto", "jsr", "ret", "tableswitch", "lookupswitch", "ireturn", "lreturn", "freturn", "dreturn", "areturn", "return",
        "getstatic", "putstatic", "getfield", "putfield", "invokevirtual", "invokespecial", "invokestatic", "invokeinterface", "invokedynamic",
        "new", "newarray", "anewarray", "arraylength", "athrow", "checkcast", "instanceof", "monitorenter", "monitorexit",
        "wide", "multianewarray", "ifnull", "ifnonnull", "goto_w", "jsr_w",
    ];

    /// <summary>The mnemonic of <paramref name="op"/> (<c>monitorenter</c>), or "opcode 0xNN" for a number the spec does not define.</summary>
    public static string Name(int op) => op < Names.Length ? Names[op] : $"opcode 0x{op:X2}";

    public static bool Defined(int op) => op < Names.Length;

    /// <summary>The instruction's length at <paramref name="pc"/>; -1 where it does not fit in the code.
    /// Switches and <c>wide</c> are variable-length; their callers refuse them first, so they are not measured here.</summary>
    public static int Length(byte[] code, int pc)
    {
        int op = code[pc];
        int n = op switch
        {
            0x10 or 0x12 or 0x15 or 0x16 or 0x17 or 0x18 or 0x19 or 0x36 or 0x37 or 0x38 or 0x39 or 0x3A or 0xA9 or 0xBC => 2,
            0x11 or 0x13 or 0x14 or 0x84 or (>= 0x99 and <= 0xA8) or (>= 0xB2 and <= 0xB8) or 0xBB or 0xBD or 0xC0 or 0xC1 or 0xC6 or 0xC7 => 3,
            0xC5 => 4,
            0xB9 or 0xBA or 0xC8 or 0xC9 => 5,
            _ => 1,
        };
        return pc + n <= code.Length ? n : -1;
    }
}
