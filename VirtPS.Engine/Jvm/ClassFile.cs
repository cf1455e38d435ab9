namespace VirtPS.Engine.Jvm;

/// <summary>A parsed class file (JVM spec SE 17, 4.1): its pool, names, fields, methods and bootstrap methods.</summary>
public sealed class ClassFile
{
    /// <summary>Where it came from (a path, or a name), for messages.</summary>
    public required string Source { get; init; }
    public required int MinorVersion { get; init; }
    public required int MajorVersion { get; init; }
    public required IReadOnlyList<ConstantPoolEntry> Pool { get; init; }
    public required int Access { get; init; }
    public required string Name { get; init; }
    /// <summary>The superclass's internal name (null only for java/lang/Object).</summary>
    public string? SuperName { get; init; }
    public required IReadOnlyList<JavaField> Fields { get; init; }
    public required IReadOnlyList<JavaMethod> Methods { get; init; }
    public required IReadOnlyList<BootstrapMethod> BootstrapMethods { get; init; }

    /// <summary>A Utf8 entry's text; throws ClassFileMalformed for any other index.</summary>
    public string Utf8(int index) => At(index, ConstantPoolEntry.Utf8).Text!;

    /// <summary>A Class entry's internal name.</summary>
    public string ClassName(int index) => Utf8(At(index, ConstantPoolEntry.Class).A);

    /// <summary>A Fieldref/Methodref/InterfaceMethodref as (class, name, descriptor).</summary>
    public (string Class, string Name, string Descriptor) MemberRef(int index)
    {
        var e = Pool.ElementAtOrDefault(index);
        if (e.Tag is not (ConstantPoolEntry.Fieldref or ConstantPoolEntry.Methodref or ConstantPoolEntry.InterfaceMethodref))
            throw ClassFileReader.Malformed(Source, $"constant #{index} is not a field or method reference");
        var (name, desc) = NameAndType(e.B);
        return (ClassName(e.A), name, desc);
    }

    public (string Name, string Descriptor) NameAndType(int index)
    {
        var nt = At(index, ConstantPoolEntry.NameAndType);
        return (Utf8(nt.A), Utf8(nt.B));
    }

    public ConstantPoolEntry At(int index, byte tag)
    {
        if (index <= 0 || index >= Pool.Count || Pool[index].Tag != tag)
            throw ClassFileReader.Malformed(Source, $"constant #{index} is not a {TagName(tag)} entry");
        return Pool[index];
    }

    public static string TagName(byte tag) => tag switch
    {
        ConstantPoolEntry.Utf8 => "CONSTANT_Utf8", ConstantPoolEntry.Integer => "CONSTANT_Integer", ConstantPoolEntry.Float => "CONSTANT_Float",
        ConstantPoolEntry.Long => "CONSTANT_Long", ConstantPoolEntry.Double => "CONSTANT_Double", ConstantPoolEntry.Class => "CONSTANT_Class",
        ConstantPoolEntry.String => "CONSTANT_String", ConstantPoolEntry.Fieldref => "CONSTANT_Fieldref", ConstantPoolEntry.Methodref => "CONSTANT_Methodref",
        ConstantPoolEntry.InterfaceMethodref => "CONSTANT_InterfaceMethodref", ConstantPoolEntry.NameAndType => "CONSTANT_NameAndType",
        ConstantPoolEntry.MethodHandle => "CONSTANT_MethodHandle", ConstantPoolEntry.MethodType => "CONSTANT_MethodType",
        ConstantPoolEntry.Dynamic => "CONSTANT_Dynamic", ConstantPoolEntry.InvokeDynamic => "CONSTANT_InvokeDynamic",
        ConstantPoolEntry.Module => "CONSTANT_Module", ConstantPoolEntry.Package => "CONSTANT_Package", _ => $"tag {tag}",
    };
}
