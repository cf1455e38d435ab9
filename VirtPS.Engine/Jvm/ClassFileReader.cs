using System.Text;

namespace VirtPS.Engine.Jvm;

/// <summary>
/// Reads a class file as the JVM specification (Java SE 17, chapter 4) lays it out: magic 0xCAFEBABE, version (major 45
/// to 61, Java 1.1 to 17), the constant pool with every tag of table 4.4-B parsed, access flags, this and super class,
/// interfaces, fields, methods and their attributes (Code, ConstantValue, BootstrapMethods kept; the rest skipped by
/// length). Every read is bounds-checked: a short file is ClassFileTruncated, never an exception of the host.
/// </summary>
public static class ClassFileReader
{
    public const uint Magic = 0xCAFEBABE;
    /// <summary>Java SE 17's class-file version (JVM spec 4.1, table 4.1-A).</summary>
    public const int MaxMajorVersion = 61;

    public static ClassFile Read(byte[] data, string source) => new Reader(data, source).ClassFile();

    internal static VirtPSException Malformed(string source, string what) =>
        new(ErrorIds.ClassFileMalformed, ErrorKind.InvalidData, $"{source} is not a valid class file: {what} (JVM spec SE 17, chapter 4).", source);

    sealed class Reader(byte[] data, string source)
    {
        int _pos;

        void Need(int n, string what)
        {
            if (_pos + n > data.Length || n < 0)
                throw new VirtPSException(ErrorIds.ClassFileTruncated, ErrorKind.InvalidData,
                    $"{source} is truncated: it ends at byte {data.Length} inside {what} (needs {_pos + n - data.Length} more bytes).", source);
        }
        int U1(string what) { Need(1, what); return data[_pos++]; }
        int U2(string what) { Need(2, what); int v = data[_pos] << 8 | data[_pos + 1]; _pos += 2; return v; }
        uint U4(string what) { Need(4, what); uint v = (uint)(data[_pos] << 24 | data[_pos + 1] << 16 | data[_pos + 2] << 8 | data[_pos + 3]); _pos += 4; return v; }
        byte[] Bytes(int n, string what) { Need(n, what); var b = data.AsSpan(_pos, n).ToArray(); _pos += n; return b; }

        public ClassFile ClassFile()
        {
            // A prefix of the magic number is a truncated class file; anything else is not a class file at all.
            var magic = new byte[] { 0xCA, 0xFE, 0xBA, 0xBE };
            if (data.Length < 4 && data.AsSpan().SequenceEqual(magic.AsSpan(0, data.Length))) Need(4, "the magic number");
            if (data.Length < 4 || U4("the magic number") != Magic)
                throw new VirtPSException(ErrorIds.ClassFileBadMagic, ErrorKind.InvalidData,
                    $"{source} is not a class file: it starts with {string.Join(" ", data.Take(4).Select(b => b.ToString("X2")))}, not the magic number CA FE BA BE (JVM spec 4.1).", source);
            int minor = U2("the minor version"), major = U2("the major version");
            if (major > MaxMajorVersion || major < 45)
                throw new VirtPSException(ErrorIds.ClassFileVersionUnsupported, ErrorKind.InvalidData,
                    $"{source} has class-file version {major}.{minor}; this JVM reads versions 45 to {MaxMajorVersion} (Java SE 17). Compile with javac --release 17 or lower.", major);
            var pool = Pool();
            int access = U2("the access flags");
            int thisIndex = U2("this_class"), superIndex = U2("super_class");
            int interfaces = U2("the interface count");
            Need(interfaces * 2, "the interfaces");
            _pos += interfaces * 2;
            var partial = new ClassFile { Source = source, MinorVersion = minor, MajorVersion = major, Pool = pool, Access = access, Name = "?",
                Fields = [], Methods = [], BootstrapMethods = [] };
            string name = partial.ClassName(thisIndex);
            string? super = superIndex == 0 ? null : partial.ClassName(superIndex);
            var fields = new List<JavaField>();
            int nf = U2("the field count");
            for (int i = 0; i < nf; i++)
            {
                int fa = U2("a field"), fn = U2("a field"), fd = U2("a field");
                int constant = 0;
                Attributes("a field's attributes", (attr, len) =>
                {
                    if (attr == "ConstantValue" && len == 2) { constant = U2("ConstantValue"); return true; }
                    return false;
                }, partial);
                fields.Add(new JavaField(fa, partial.Utf8(fn), partial.Utf8(fd), constant));
            }
            var methods = new List<JavaMethod>();
            int nm = U2("the method count");
            for (int i = 0; i < nm; i++)
            {
                int ma = U2("a method"), mn = U2("a method"), md = U2("a method");
                byte[]? code = null; int maxStack = 0, maxLocals = 0, handlers = 0;
                Attributes("a method's attributes", (attr, len) =>
                {
                    if (attr != "Code") return false;
                    int end = _pos + len;
                    maxStack = U2("Code.max_stack"); maxLocals = U2("Code.max_locals");
                    uint codeLength = U4("Code.code_length");
                    if (codeLength == 0 || codeLength >= 65536) throw Malformed(source, $"code_length {codeLength} is not between 1 and 65535 (4.7.3)");
                    code = Bytes((int)codeLength, "a method's code");
                    handlers = U2("Code.exception_table_length");
                    Need(handlers * 8, "Code.exception_table");
                    _pos += handlers * 8;
                    Attributes("the Code attribute's attributes", (_, _) => false, partial);
                    if (_pos != end) throw Malformed(source, "a Code attribute's length does not match its contents");
                    return true;
                }, partial);
                methods.Add(new JavaMethod { ClassName = name, Access = ma, Name = partial.Utf8(mn), Descriptor = partial.Utf8(md), Code = code,
                    MaxStack = maxStack, MaxLocals = maxLocals, ExceptionTableLength = handlers });
            }
            var bootstraps = new List<BootstrapMethod>();
            Attributes("the class's attributes", (attr, len) =>
            {
                if (attr != "BootstrapMethods") return false;
                int n = U2("BootstrapMethods");
                for (int i = 0; i < n; i++)
                {
                    int handle = U2("a bootstrap method");
                    int argc = U2("a bootstrap method");
                    var args = new int[argc];
                    for (int k = 0; k < argc; k++) args[k] = U2("a bootstrap argument");
                    bootstraps.Add(new BootstrapMethod(handle, args));
                }
                return true;
            }, partial);
            if (_pos != data.Length) throw Malformed(source, $"{data.Length - _pos} bytes follow the class's last attribute");
            return new ClassFile { Source = source, MinorVersion = minor, MajorVersion = major, Pool = pool, Access = access, Name = name,
                SuperName = super, Fields = fields, Methods = methods, BootstrapMethods = bootstraps };
        }

        /// <summary>attribute_info entries (4.7): <paramref name="known"/> reads the ones it knows and says so; the rest are skipped.</summary>
        void Attributes(string what, Func<string, int, bool> known, ClassFile names)
        {
            int n = U2(what);
            for (int i = 0; i < n; i++)
            {
                string attr = names.Utf8(U2(what));
                int len = (int)Math.Min(U4(what), int.MaxValue);
                Need(len, $"the {attr} attribute");
                int start = _pos;
                if (!known(attr, len)) _pos = start + len;
                else if (_pos != start + len) throw Malformed(source, $"the {attr} attribute's length does not match its contents");
            }
        }

        List<ConstantPoolEntry> Pool()
        {
            int count = U2("the constant pool count");
            var pool = new List<ConstantPoolEntry>(count) { default };
            for (int i = 1; i < count; i++)
            {
                byte tag = (byte)U1("the constant pool");
                ConstantPoolEntry e = tag switch
                {
                    ConstantPoolEntry.Utf8 => new(tag, 0, 0, 0, ModifiedUtf8(Bytes(U2("a CONSTANT_Utf8"), "a CONSTANT_Utf8"))),
                    ConstantPoolEntry.Integer or ConstantPoolEntry.Float => new(tag, 0, 0, (int)U4("a 4-byte constant"), null),
                    ConstantPoolEntry.Long or ConstantPoolEntry.Double => new(tag, 0, 0, (long)((ulong)U4("an 8-byte constant") << 32 | U4("an 8-byte constant")), null),
                    ConstantPoolEntry.Class or ConstantPoolEntry.String or ConstantPoolEntry.MethodType or ConstantPoolEntry.Module or ConstantPoolEntry.Package
                        => new(tag, U2("a constant"), 0, 0, null),
                    ConstantPoolEntry.Fieldref or ConstantPoolEntry.Methodref or ConstantPoolEntry.InterfaceMethodref or ConstantPoolEntry.NameAndType
                        or ConstantPoolEntry.Dynamic or ConstantPoolEntry.InvokeDynamic => new(tag, U2("a constant"), U2("a constant"), 0, null),
                    ConstantPoolEntry.MethodHandle => new(tag, U1("a CONSTANT_MethodHandle"), U2("a CONSTANT_MethodHandle"), 0, null),
                    _ => throw Malformed(source, $"constant #{i} has unknown tag {tag}"),
                };
                pool.Add(e);
                // 4.4.5: an 8-byte constant takes two entries; the second is unusable.
                if (tag is ConstantPoolEntry.Long or ConstantPoolEntry.Double) { pool.Add(default); i++; }
            }
            return pool;
        }

        /// <summary>Modified UTF-8 (4.4.7): one to three bytes per UTF-16 unit (supplementary characters as two surrogates).</summary>
        string ModifiedUtf8(byte[] b)
        {
            var sb = new StringBuilder(b.Length);
            for (int i = 0; i < b.Length;)
            {
                int x = b[i];
                if (x < 0x80 && x != 0) { sb.Append((char)x); i++; }
                else if ((x & 0xE0) == 0xC0 && i + 1 < b.Length) { sb.Append((char)((x & 0x1F) << 6 | b[i + 1] & 0x3F)); i += 2; }
                else if ((x & 0xF0) == 0xE0 && i + 2 < b.Length) { sb.Append((char)((x & 0x0F) << 12 | (b[i + 1] & 0x3F) << 6 | b[i + 2] & 0x3F)); i += 3; }
                else throw Malformed(source, "a CONSTANT_Utf8 entry is not valid modified UTF-8");
            }
            return sb.ToString();
        }
    }
}
