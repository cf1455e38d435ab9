namespace VirtPS.Engine.Jvm;

/// <summary>A field_info (JVM spec 4.5): access flags, name, descriptor, and its ConstantValue attribute's pool index (0: none).</summary>
public sealed record JavaField(int Access, string Name, string Descriptor, int ConstantValueIndex)
{
    public bool IsStatic => (Access & 0x0008) != 0;
}
