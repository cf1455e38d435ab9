namespace VirtPS.Engine.Jvm;

/// <summary>One constant-pool entry (JVM spec SE 17, 4.4): its tag, the indexes it refers to (class, name-and-type,
/// name, descriptor, bootstrap method, reference kind), its numeric value or its text.</summary>
public readonly record struct ConstantPoolEntry(byte Tag, int A, int B, long Value, string? Text)
{
    public const byte Utf8 = 1, Integer = 3, Float = 4, Long = 5, Double = 6, Class = 7, String = 8, Fieldref = 9, Methodref = 10,
        InterfaceMethodref = 11, NameAndType = 12, MethodHandle = 15, MethodType = 16, Dynamic = 17, InvokeDynamic = 18, Module = 19, Package = 20;
}
