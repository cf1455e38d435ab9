using System.Globalization;
using System.Text;

namespace VirtPS.Engine.Jvm;

/// <summary>
/// A linked Java program: its classes read and verified, every method lowered, fields laid out, vtables built, and
/// the constant-pool references the code makes resolved to the guest image's symbols. Linking is eager and whole: a
/// problem anywhere is an error before any guest exists. What resolves: the program's own classes (fields, static and
/// virtual methods, constructors), <c>Object.&lt;init&gt;</c> (a no-op), <c>System.out.print</c>/<c>println</c> of String,
/// int, long, char and boolean, and string concatenation (<c>invokedynamic</c> to
/// <c>StringConcatFactory.makeConcatWithConstants</c>, its recipe read from the bootstrap arguments). Every class's
/// <c>&lt;clinit&gt;</c> runs before main, in the order the classes were given (the JVM initializes lazily, on first use).
/// </summary>
public sealed class JavaProgram
{
    public const string StringConcatFactory = "java/lang/invoke/StringConcatFactory";

    readonly Dictionary<string, ClassFile> _classes = new(StringComparer.Ordinal);
    readonly List<ClassFile> _order = [];
    readonly Dictionary<string, List<JavaMethod>> _vtables = [];
    readonly Dictionary<string, List<(string Name, string Descriptor)>> _instanceFields = [];
    readonly Dictionary<string, string> _strings = new(StringComparer.Ordinal);
    internal readonly List<(string Label, string Text)> Strings = [];
    internal readonly List<(string Label, byte[] Bytes)> Recipes = [];
    internal readonly List<(string Label, string Initial)> Statics = [];
    readonly Dictionary<(string, string), string> _staticLabels = [];

    /// <summary>Every method with code, in method-table order (its <see cref="JavaMethod.Index"/>).</summary>
    public IReadOnlyList<JavaMethod> Methods => _methods;
    readonly List<JavaMethod> _methods = [];
    /// <summary>Every method, abstract ones included.</summary>
    public IEnumerable<JavaMethod> AllMethods => _order.SelectMany(c => c.Methods);
    public IReadOnlyList<ClassFile> Classes => _order;
    public JavaMethod Main { get; private set; } = null!;
    public IReadOnlyList<JavaMethod> Initializers { get; private set; } = [];

    /// <summary>Reads, verifies and links class files (path or name, bytes) with <paramref name="mainClass"/> (dots or
    /// slashes; null: the first class that has <c>public static void main(String[])</c>).</summary>
    public static JavaProgram Load(IReadOnlyList<(string Source, byte[] Bytes)> files, string? mainClass = null)
    {
        var p = new JavaProgram();
        foreach (var (source, bytes) in files)
        {
            var c = ClassFileReader.Read(bytes, source);
            if (!p._classes.TryAdd(c.Name, c))
                throw Link($"two class files define {c.Name.Replace('/', '.')}: {p._classes[c.Name].Source} and {source}", c.Name);
            p._order.Add(c);
        }
        p.Link(mainClass?.Replace('.', '/'));
        return p;
    }

    /// <summary>The class files <paramref name="paths"/> name: each a .class file, or a directory whose .class files (its
    /// subdirectories' too, in name order) are read. A path that does not exist, or a directory with no class file, is
    /// ClassFileNotFound.</summary>
    public static IReadOnlyList<(string Source, byte[] Bytes)> ReadClassFiles(IEnumerable<string> paths)
    {
        var files = new List<(string, byte[])>();
        foreach (var path in paths)
        {
            if (Directory.Exists(path))
            {
                var found = Directory.EnumerateFiles(path, "*.class", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
                if (found.Count == 0)
                    throw new VirtPSException(ErrorIds.ClassFileNotFound, ErrorKind.ObjectNotFound, $"Directory '{path}' holds no .class file.", path);
                files.AddRange(found.Select(f => (f, File.ReadAllBytes(f))));
            }
            else if (File.Exists(path)) files.Add((path, File.ReadAllBytes(path)));
            else throw new VirtPSException(ErrorIds.ClassFileNotFound, ErrorKind.ObjectNotFound, $"Cannot find class file '{path}'.", path);
        }
        return files;
    }

    internal static VirtPSException Link(string what, object? target) =>
        new(ErrorIds.JavaLinkFailed, ErrorKind.InvalidData, $"The program cannot be linked: {what}.", target);

    void Link(string? mainClass)
    {
        foreach (var c in _order)
            for (var s = c.SuperName; s != null && s != "java/lang/Object"; s = _classes[s].SuperName)
                if (!_classes.ContainsKey(s))
                    throw Link($"{c.Name.Replace('/', '.')} extends {s.Replace('/', '.')}, which is neither among the class files given nor java.lang.Object", s);
        foreach (var c in _order)
        {
            foreach (var f in c.Fields)
            {
                ValueType(f.Descriptor, () => Link($"field {c.Name}.{f.Name} has type {f.Descriptor} (float and double are not implemented)", f.Name));
                if (!f.IsStatic) continue;
                string label = $"st_{_staticLabels.Count}";
                _staticLabels[(c.Name, f.Name)] = label;
                Statics.Add((label, StaticInitial(c, f)));
            }
            foreach (var m in c.Methods)
            {
                var (args, ret) = ParseDescriptor(m.Descriptor, () => Link($"{m} takes or returns float or double (not implemented)", m.ToString()));
                m.Return = ret;
                string values = (m.IsStatic ? "" : "A") + args;
                m.ArgValues = values.Length;
                var locals = new int[values.Length];
                int at = 0;
                for (int k = 0; k < values.Length; at += values[k] == 'J' ? 2 : 1, k++) locals[k] = at;
                m.ArgLocals = locals;
                m.ArgSlots = at;
                if (m.IsAbstract) continue;
                if (m.ArgSlots > m.MaxLocals)
                    throw new VirtPSException(ErrorIds.BytecodeVerifyFailed, ErrorKind.InvalidData, $"{m} has max_locals {m.MaxLocals}, fewer than its arguments take.", m.ToString());
                m.Index = _methods.Count;
                _methods.Add(m);
            }
        }
        foreach (var c in _order) Vtable(c.Name);
        foreach (var c in _order) InstanceFields(c.Name);
        foreach (var c in _order)
            foreach (var m in c.Methods.Where(m => !m.IsAbstract))
            {
                m.Prepared = new MethodPreparer(this, c, m).Prepare();
                int at = 0;
                foreach (var i in m.Prepared) { i.Offset = at; at += i.Length; }
                m.PreparedSize = at;
            }
        var mainCls = mainClass is null
            ? _order.FirstOrDefault(c => c.Methods.Any(IsMain))
            : _classes.GetValueOrDefault(mainClass);
        Main = mainCls?.Methods.FirstOrDefault(IsMain) ?? throw new VirtPSException(ErrorIds.JavaMainNotFound, ErrorKind.ObjectNotFound,
            mainClass is null ? "None of the classes has a method public static void main(String[])."
            : mainCls is null ? $"No class {mainClass.Replace('/', '.')} among the class files given ({string.Join(", ", _order.Select(c => c.Name.Replace('/', '.')))})."
            : $"Class {mainClass.Replace('/', '.')} has no method public static void main(String[]).", mainClass);
        Initializers = _order.SelectMany(c => c.Methods.Where(m => m.Name == "<clinit>" && !m.IsAbstract)).ToList();
    }

    static bool IsMain(JavaMethod m) => m.Name == "main" && m.Descriptor == "([Ljava/lang/String;)V" && m.IsStatic && (m.Access & 1) != 0;

    string StaticInitial(ClassFile c, JavaField f)
    {
        if (f.ConstantValueIndex == 0) return "0";
        var e = c.Pool.ElementAtOrDefault(f.ConstantValueIndex);
        return e.Tag switch
        {
            ConstantPoolEntry.Integer or ConstantPoolEntry.Long => e.Value.ToString(CultureInfo.InvariantCulture),
            ConstantPoolEntry.String => StringLabel(c.Utf8(e.A)),
            _ => "0",
        };
    }

    /// <summary>The vtable of a program class: its superclass's, each method it overrides replaced, its new ones appended.</summary>
    internal List<JavaMethod> Vtable(string cls)
    {
        if (_vtables.TryGetValue(cls, out var v)) return v;
        var c = _classes[cls];
        var table = c.SuperName is { } s && _classes.ContainsKey(s) ? [.. Vtable(s)] : new List<JavaMethod>();
        foreach (var m in c.Methods)
        {
            if (m.IsStatic || m.IsPrivate || m.Name.StartsWith('<')) continue;
            int slot = table.FindIndex(t => t.Name == m.Name && t.Descriptor == m.Descriptor);
            if (slot < 0) { slot = table.Count; table.Add(m); } else table[slot] = m;
            m.VtableSlot = slot;
        }
        return _vtables[cls] = table;
    }

    List<(string Name, string Descriptor)> InstanceFields(string cls)
    {
        if (_instanceFields.TryGetValue(cls, out var f)) return f;
        var c = _classes[cls];
        var list = c.SuperName is { } s && _classes.ContainsKey(s) ? [.. InstanceFields(s)] : new List<(string, string)>();
        list.AddRange(c.Fields.Where(x => !x.IsStatic).Select(x => (x.Name, x.Descriptor)));
        return _instanceFields[cls] = list;
    }

    /// <summary>An object's size: the vtable pointer and one 8-byte slot per instance field.</summary>
    internal int ObjectSize(string cls) => 8 + 8 * InstanceFields(cls).Count;

    internal static string VtableLabel(string cls) => "vt_" + Mangle(cls);
    internal static string Mangle(string s) => new(s.Select(ch => char.IsAsciiLetterOrDigit(ch) ? ch : '_').ToArray());
    internal static string CellLabel(JavaMethod m) => $"cell_{m.Index}";

    /// <summary>The label of an interned string constant (its bytes are UTF-8, which is what println writes).</summary>
    internal string StringLabel(string text)
    {
        if (_strings.TryGetValue(text, out var label)) return label;
        label = $"str_{_strings.Count}";
        _strings[text] = label;
        Strings.Add((label, text));
        return label;
    }

    /// <summary>A field descriptor's stack type: 'I' (int, short, char, byte, boolean), 'J' (long), 'A' (a reference).</summary>
    internal static char ValueType(string desc, Func<Exception> floating) => desc[0] switch
    {
        'I' or 'S' or 'C' or 'B' or 'Z' => 'I',
        'J' => 'J',
        'L' or '[' => 'A',
        _ => throw floating(),
    };

    /// <summary>A method descriptor (4.3.3) as its arguments' stack types and its return type ('V' void).</summary>
    internal static (string Args, char Return) ParseDescriptor(string desc, Func<Exception> floating)
    {
        var (parameters, ret) = SplitDescriptor(desc);
        return (string.Concat(parameters.Select(t => ValueType(t, floating))), ret == "V" ? 'V' : ValueType(ret, floating));
    }

    /// <summary>A method descriptor (4.3.3) as its parameters' field descriptors and its return descriptor.</summary>
    internal static (List<string> Parameters, string Return) SplitDescriptor(string desc)
    {
        var parameters = new List<string>();
        int i = 1;
        while (i < desc.Length && desc[i] != ')')
        {
            int start = i;
            while (desc[i] == '[') i++;
            if (desc[i] == 'L') i = desc.IndexOf(';', i);
            i++;
            parameters.Add(desc[start..i]);
        }
        return (parameters, desc[(i + 1)..]);
    }

    JavaMethod? FindMethod(string cls, string name, string desc)
    {
        for (string? c = cls; c != null && _classes.TryGetValue(c, out var cf); c = cf.SuperName)
            if (cf.Methods.FirstOrDefault(m => m.Name == name && m.Descriptor == desc) is { } m) return m;
        return null;
    }

    int FieldOffset(string cls, string name, Func<Exception> missing)
    {
        var list = InstanceFields(cls);
        int k = list.FindLastIndex(f => f.Name == name);   // a subclass's field hides its superclass's
        return k < 0 ? throw missing() : 8 + 8 * k;
    }

    /// <summary>Lowers an instruction that names a field, a method, a class or a call site, resolving it now.</summary>
    internal void LowerReference(ClassFile cls, JavaMethod method, int op, int index, int pc, PreparedInsn p)
    {
        string name = Opcodes.Name(op);
        VirtPSException NotAvailable(string what) => Link($"{method} uses {name} {what} at pc {pc}: only the program's own classes, Object.<init>, System.out.print/println and string concatenation are available", what);
        switch (op)
        {
            case 0xB2 or 0xB3:
            {
                var (c, f, desc) = cls.MemberRef(index);
                if (op == 0xB2 && c == "java/lang/System" && f == "out" && desc == "Ljava/io/PrintStream;") { p.Op = PreparedOp.Const; p.Imm = 0; return; }
                string? owner = null;
                for (string? k = c; k != null && _classes.TryGetValue(k, out var cf); k = cf.SuperName)
                    if (_staticLabels.ContainsKey((k, f))) { owner = k; break; }
                if (owner is null) throw NotAvailable($"{c.Replace('/', '.')}.{f}");
                p.Op = op == 0xB2 ? PreparedOp.GetStatic : PreparedOp.PutStatic;
                p.Symbol = _staticLabels[(owner, f)];
                return;
            }
            case 0xB4 or 0xB5:
            {
                var (c, f, _) = cls.MemberRef(index);
                if (!_classes.ContainsKey(c)) throw NotAvailable($"{c.Replace('/', '.')}.{f}");
                p.Op = op == 0xB4 ? PreparedOp.GetField : PreparedOp.PutField;
                p.Imm = FieldOffset(c, f, () => NotAvailable($"{c.Replace('/', '.')}.{f}"));
                return;
            }
            case 0xB6 or 0xB7 or 0xB8:
            {
                var (c, m, desc) = cls.MemberRef(index);
                bool result = ParseDescriptor(desc, () => NotAvailable(m)).Return != 'V';
                if (op == 0xB6 && c == "java/io/PrintStream" && m is "println" or "print")
                {
                    int kind = desc switch
                    {
                        "(Ljava/lang/String;)V" => 0, "(I)V" => 1, "(J)V" => 1, "(C)V" => 2, "(Z)V" => 3, "()V" when m == "println" => 4,
                        _ => throw NotAvailable($"PrintStream.{m}{desc}"),
                    };
                    p.Op = kind == 4 ? PreparedOp.PrintLine : PreparedOp.Print;
                    p.Imm = kind; p.Imm2 = m == "println" ? 1 : 0;
                    return;
                }
                if (op == 0xB7 && c == "java/lang/Object" && m == "<init>" && desc == "()V") { p.Op = PreparedOp.Pop; return; }
                if (!_classes.ContainsKey(c)) throw NotAvailable($"{c.Replace('/', '.')}.{m}{desc}");
                var target = FindMethod(c, m, desc) ?? throw NotAvailable($"{c.Replace('/', '.')}.{m}{desc}");
                if (target.IsStatic != (op == 0xB8)) throw Link($"{method} calls {target} with {name} at pc {pc}, but it is {(target.IsStatic ? "" : "not ")}static", target.ToString());
                if (op == 0xB6 && target.VtableSlot >= 0)
                {
                    p.Op = result ? PreparedOp.InvokeVirtualResult : PreparedOp.InvokeVirtual;
                    // A subclass's vtable keeps its superclass's slots (Vtable), so the slot is the target's own.
                    p.Imm = 8L * target.VtableSlot;
                    p.Imm2 = target.ArgValues - 1;   // values above the receiver
                    return;
                }
                if (target.IsAbstract) throw Link($"{method} calls abstract {target} directly at pc {pc}", target.ToString());
                p.Op = result ? PreparedOp.InvokeResult : PreparedOp.Invoke;
                p.Symbol = CellLabel(target);
                p.Imm2 = target.ArgValues;   // the values the call pops
                return;
            }
            case 0xBA:
            {
                var e = cls.At(index, ConstantPoolEntry.InvokeDynamic);
                var (callName, desc) = cls.NameAndType(e.B);
                var bsm = e.A < cls.BootstrapMethods.Count ? cls.BootstrapMethods[e.A] : throw ClassFileReader.Malformed(cls.Source, $"invokedynamic names bootstrap method {e.A}, which does not exist");
                var handle = cls.At(bsm.MethodHandle, ConstantPoolEntry.MethodHandle);
                var (bc, bm, _) = cls.MemberRef(handle.B);
                if (bc != StringConcatFactory || bm != "makeConcatWithConstants" || bsm.Arguments.Count < 1)
                    throw NotAvailable($"a call site bootstrapped by {bc.Replace('/', '.')}.{bm} ({callName})");
                var (args, _) = ParseDescriptor(desc, () => NotAvailable(desc));
                string recipe = cls.Utf8(cls.At(bsm.Arguments[0], ConstantPoolEntry.String).A);
                p.Op = PreparedOp.Concat;
                p.Symbol = Recipe(cls, recipe, desc, bsm.Arguments, () => NotAvailable($"string concatenation of {desc}"));
                p.Imm2 = args.Length;
                return;
            }
            case 0xBB:
            {
                string c = cls.ClassName(index);
                if (!_classes.TryGetValue(c, out var cf)) throw NotAvailable(c.Replace('/', '.'));
                if ((cf.Access & 0x0400) != 0) throw Link($"{method} instantiates abstract class {c.Replace('/', '.')} at pc {pc}", c);
                p.Op = PreparedOp.New;
                p.Symbol = VtableLabel(c);
                p.Imm2 = ObjectSize(c);
                return;
            }
        }
        throw new InvalidOperationException($"no lowering for {name}");
    }

    /// <summary>
    /// A concatenation recipe for the guest's concat routine, from StringConcatFactory's: in the recipe string, \u0001
    /// stands for the next argument and \u0002 for the next constant among the bootstrap arguments; everything else is
    /// literal. Encoded as: argument count, then items — 1 literal (u32 length, UTF-8 bytes), 2 string argument,
    /// 3 int or long, 4 char, 5 boolean (each with the argument's number) — then 0.
    /// </summary>
    string Recipe(ClassFile cls, string recipe, string desc, IReadOnlyList<int> bsmArgs, Func<Exception> unsupported)
    {
        var types = SplitDescriptor(desc).Parameters
            .Select(t => t switch { "Ljava/lang/String;" => 's', "I" or "S" or "B" or "J" => 'n', "C" => 'c', "Z" => 'z', _ => throw unsupported() }).ToList();
        var bytes = new List<byte> { (byte)types.Count };
        var literal = new StringBuilder();
        void Flush()
        {
            if (literal.Length == 0) return;
            var b = Encoding.UTF8.GetBytes(literal.ToString());
            bytes.Add(1); bytes.AddRange(BitConverter.GetBytes(b.Length)); bytes.AddRange(b);
            literal.Clear();
        }
        int arg = 0, constant = 1;
        foreach (char ch in recipe)
        {
            if (ch == '\u0001')
            {
                if (arg >= types.Count) throw ClassFileReader.Malformed(cls.Source, "a concatenation recipe has more \\u0001 than arguments");
                Flush();
                bytes.Add(types[arg] switch { 's' => (byte)2, 'n' => 3, 'c' => 4, _ => 5 });
                bytes.Add((byte)arg++);
            }
            else if (ch == '\u0002')
            {
                var e = cls.Pool.ElementAtOrDefault(bsmArgs.ElementAtOrDefault(constant++));
                literal.Append(e.Tag switch
                {
                    ConstantPoolEntry.String => cls.Utf8(e.A),
                    ConstantPoolEntry.Integer or ConstantPoolEntry.Long => e.Value.ToString(CultureInfo.InvariantCulture),
                    _ => throw unsupported(),
                });
            }
            else literal.Append(ch);
        }
        Flush();
        bytes.Add(0);
        string label = $"recipe_{Recipes.Count}";
        Recipes.Add((label, bytes.ToArray()));
        return label;
    }
}
