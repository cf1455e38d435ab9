using System.Buffers.Binary;
using System.Collections;
using System.Globalization;
using System.IO.Compression;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using VirtPS.Engine.Guests;
using VirtPS.Engine.Labs;

namespace VirtPS.Engine.Checkpoints;

/// <summary>
/// A checkpoint as a file: an 8-byte magic <c>VPSCKPT\0</c>, the format version (4 bytes, little-endian), the SHA-256 of
/// the payload (32 bytes), then the payload: gzip of one JSON document written with System.Text.Json's writer. The JSON
/// holds the guest's specification (the lab format's guest entry) and its state as an object graph — every object by id,
/// its type and its fields; primitive arrays (memory frames among them) as base64; hash-based collections as their
/// entries; delegates as method and target. What belongs to the lab (host, cost model, workload) is named by the field
/// path it was reached by and taken from the guest the importer builds from the spec; host-side caches
/// (<see cref="HostCacheAttribute"/>) are written empty. A file is bound to the engine build that wrote it (its module
/// version id), since delegates name compiled methods.
/// </summary>
public static class CheckpointFile
{
    static readonly byte[] Magic = "VPSCKPT\0"u8.ToArray();
    public const int CurrentVersion = 1;
    const int HeaderSize = 8 + 4 + 32;

    // ------------------------------------------------------------------ writing

    public static void Write(GuestCheckpoint checkpoint, Stream output)
    {
        using var json = new MemoryStream();
        // Relaxed escaping: field names such as <Name>k__BackingField stay readable (the file is never embedded in HTML).
        using (var w = new Utf8JsonWriter(json, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteString("format", "VirtPS.Checkpoint");
            w.WriteNumber("version", CurrentVersion);
            w.WriteString("engine", typeof(CheckpointFile).Module.ModuleVersionId.ToString());
            w.WriteString("name", checkpoint.Name);
            w.WriteString("guest", checkpoint.GuestName);
            w.WriteNumber("instructions", checkpoint.Instructions);
            w.WritePropertyName("spec");
            // The importer puts the guest on a host of its own choosing.
            w.WriteRawValue(JsonSerializer.Serialize(LabFile.SpecEntry(checkpoint.Spec) with { Host = null }, LabJsonContext.Default.GuestEntry));
            new GraphWriter(w).Write(checkpoint.Snapshot);
            w.WriteEndObject();
        }
        byte[] payload;
        using (var packed = new MemoryStream())
        {
            using (var gz = new GZipStream(packed, CompressionLevel.Optimal, leaveOpen: true)) { json.Position = 0; json.CopyTo(gz); }
            payload = packed.ToArray();
        }
        var header = new byte[HeaderSize];
        Magic.CopyTo(header, 0);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(8), CurrentVersion);
        SHA256.HashData(payload, header.AsSpan(12));
        output.Write(header);
        output.Write(payload);
    }

    sealed class GraphWriter(Utf8JsonWriter w)
    {
        readonly Dictionary<object, int> _ids = new(ReferenceEqualityComparer.Instance);
        readonly Queue<object> _pending = new();
        readonly Dictionary<Type, int> _types = [];
        readonly Dictionary<object, string> _paths = new(ReferenceEqualityComparer.Instance);

        public void Write(Guest root)
        {
            _ids[root] = 0;
            _paths[root] = "";
            w.WriteStartArray("objects");
            _pending.Enqueue(root);
            while (_pending.Count > 0) WriteObject(_pending.Dequeue());
            w.WriteEndArray();
            w.WriteStartArray("types");
            foreach (var t in _types.OrderBy(p => p.Value)) w.WriteStringValue(t.Key.AssemblyQualifiedName);
            w.WriteEndArray();
        }

        int TypeId(Type t) => _types.TryGetValue(t, out int id) ? id : _types[t] = _types.Count;

        void WriteObject(object o)
        {
            var t = o.GetType();
            string path = _paths[o];
            w.WriteStartObject();
            w.WriteNumber("type", TypeId(t));
            switch (o)
            {
                case Array a when Primitive(t.GetElementType()!):
                    w.WriteNumber("length", a.Length);
                    w.WriteBase64String("data", RawBytes(a));
                    break;
                case Array a:
                    w.WriteNumber("length", a.Length);
                    w.WriteStartArray("items");
                    for (int i = 0; i < a.Length; i++) Value(a.GetValue(i), t.GetElementType()!, $"{path}[{i}]");
                    w.WriteEndArray();
                    break;
                case Delegate d:
                    w.WriteStartArray("calls");
                    foreach (var call in d.GetInvocationList())
                    {
                        if (call.Method is System.Reflection.Emit.DynamicMethod)
                            throw new NotSupportedException("compiled code outside the host caches");
                        w.WriteStartObject();
                        w.WriteNumber("method", call.Method.MetadataToken);
                        w.WriteNumber("declaringType", TypeId(call.Method.DeclaringType!));
                        w.WritePropertyName("target");
                        Value(call.Target, typeof(object), path + ".target");
                        w.WriteEndObject();
                    }
                    w.WriteEndArray();
                    break;
                default:
                    if (ObjectGraph.IsHashed(t)) WriteHashed(o, t, path);
                    else
                    {
                        w.WriteStartObject("fields");
                        foreach (var f in ObjectGraph.FieldsOf(t))
                        {
                            w.WritePropertyName(f.DeclaringType == t ? f.Name : $"{f.DeclaringType!.Name}.{f.Name}");
                            if (f.IsDefined(typeof(HostCacheAttribute)))
                            {
                                if (typeof(IEnumerable).IsAssignableFrom(f.FieldType) && f.FieldType.GetConstructor(Type.EmptyTypes) is not null) Empty(f.FieldType);
                                else w.WriteNullValue();
                                continue;
                            }
                            if (f.FieldType.IsFunctionPointer) { w.WriteStringValue(Handlers.Name(Handlers.Pointer(f.GetValue(o)), $"{path}.{f.Name}")); continue; }
                            Value(f.GetValue(o), f.FieldType, $"{path}.{f.Name}");
                        }
                        w.WriteEndObject();
                    }
                    break;
            }
            w.WriteEndObject();
        }

        /// <summary>A host cache, written as an empty collection of its type.</summary>
        void Empty(Type t)
        {
            w.WriteStartObject();
            w.WriteNumber("new", TypeId(t));
            w.WriteEndObject();
        }

        void WriteHashed(object o, Type t, string path)
        {
            object? comparer = t.GetProperty("Comparer")?.GetValue(o);
            var k = t.GetGenericArguments()[0];
            w.WriteString("comparer", ComparerName(comparer, k) ?? throw new NotSupportedException($"a {t.Name} with a comparer of its own ({comparer?.GetType().Name})"));
            w.WriteStartArray("entries");
            int i = 0;
            if (o is IDictionary dict)
                foreach (DictionaryEntry e in dict)
                {
                    w.WriteStartArray();
                    Value(e.Key, typeof(object), $"{path}{{{i}}}.key");
                    Value(e.Value, typeof(object), $"{path}{{{i++}}}.value");
                    w.WriteEndArray();
                }
            else
                foreach (var item in (IEnumerable)o) Value(item, typeof(object), $"{path}{{{i++}}}");
            w.WriteEndArray();
        }

        void Value(object? v, Type declared, string path)
        {
            if (v is null) { w.WriteNullValue(); return; }
            var t = v.GetType();
            if (v is string str) { w.WriteStringValue(str); return; }
            if (t.IsPrimitive || t.IsEnum)
            {
                if (declared != t && !(declared.IsEnum && Enum.GetUnderlyingType(declared) == t))
                {
                    // A value where an object is declared: its type, then the value.
                    w.WriteStartObject();
                    w.WriteNumber("box", TypeId(t));
                    w.WritePropertyName("value");
                    Value(v, t, path);
                    w.WriteEndObject();
                    return;
                }
                if (t.IsEnum) v = Convert.ChangeType(v, Enum.GetUnderlyingType(t), CultureInfo.InvariantCulture);
                switch (v)
                {
                    case bool b: w.WriteBooleanValue(b); return;
                    case double d: WriteDouble(d); return;
                    case float f: WriteDouble(f); return;
                    case ulong u: w.WriteNumberValue(u); return;
                    case nint or nuint: throw new NotSupportedException($"a native pointer at {path}");
                    default: w.WriteNumberValue(Convert.ToInt64(v, CultureInfo.InvariantCulture)); return;
                }
            }
            if (t.IsValueType)
            {
                // A struct: its type and its fields.
                w.WriteStartObject();
                w.WriteNumber("box", TypeId(t));
                w.WriteStartObject("value");
                foreach (var f in ObjectGraph.FieldsOf(t)) { w.WritePropertyName(f.Name); Value(f.GetValue(v), f.FieldType, $"{path}.{f.Name}"); }
                w.WriteEndObject();
                w.WriteEndObject();
                return;
            }
            if (v is Type or MemberInfo) throw new NotSupportedException($"a reflection object at {path}");
            if (GuestCheckpoint.Shared(v))
            {
                w.WriteStartObject();
                if (t.Name == "<>c") w.WriteNumber("static", TypeId(t));
                else w.WriteString("shared", path);
                w.WriteEndObject();
                return;
            }
            if (!_ids.TryGetValue(v, out int id))
            {
                if (v is System.Runtime.InteropServices.SafeHandle or Stream or Thread or Task or WaitHandle)
                    throw new NotSupportedException($"a {t.Name} (an operating-system resource) at {path}");
                _ids[v] = id = _ids.Count;
                _paths[v] = path;
                _pending.Enqueue(v);
            }
            w.WriteStartObject();
            w.WriteNumber("ref", id);
            w.WriteEndObject();
        }

        void WriteDouble(double d)
        {
            if (double.IsFinite(d)) w.WriteNumberValue(d);
            else w.WriteStringValue(d.ToString(CultureInfo.InvariantCulture));
        }
    }

    static bool Primitive(Type t) => t.IsPrimitive || t.IsEnum;

    /// <summary>
    /// The instruction handlers a decoded instruction points at (function pointers taking the processor and the instruction):
    /// written by name, since an address means nothing to another process. Every static method of the engine with that
    /// signature, generic ones over each ALU operation.
    /// </summary>
    static unsafe class Handlers
    {
        static readonly Lazy<(Dictionary<nint, string> Names, Dictionary<string, nint> Entries)> Table = new(Build);

        static (Dictionary<nint, string>, Dictionary<string, nint>) Build()
        {
            var names = new Dictionary<nint, string>();
            var entries = new Dictionary<string, nint>();
            var asm = typeof(CheckpointFile).Assembly;
            var processor = asm.GetType("VirtPS.Engine.Cpu.Processor")!;
            var insn = asm.GetType("VirtPS.Engine.Cpu.Insn")!;
            var aluOp = asm.GetType("VirtPS.Engine.Cpu.IAluOp")!;
            var aluOps = asm.GetTypes().Where(t => t.IsValueType && aluOp.IsAssignableFrom(t)).ToArray();
            foreach (var type in asm.GetTypes())
                foreach (var m in type.GetMethods(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
                {
                    var ps = m.GetParameters();
                    if (m.ReturnType != typeof(void) || ps.Length != 2 || ps[0].ParameterType != processor || ps[1].ParameterType != insn) continue;
                    var forms = m.IsGenericMethodDefinition
                        ? aluOps.Select(t => { try { return m.MakeGenericMethod(t); } catch (ArgumentException) { return null; } }).OfType<MethodInfo>()
                        : [m];
                    foreach (var f in forms)
                    {
                        string name = $"{type.FullName}.{f.Name}{(f.IsGenericMethod ? "<" + f.GetGenericArguments()[0].Name + ">" : "")}({f.MetadataToken:x})";
                        nint entry = f.MethodHandle.GetFunctionPointer();
                        names.TryAdd(entry, name);
                        entries.TryAdd(name, entry);
                    }
                }
            return (names, entries);
        }

        public static nint Pointer(object? boxed) => boxed switch
        {
            nint p => p,
            Pointer p => (nint)System.Reflection.Pointer.Unbox(p),
            null => 0,
            _ => throw new NotSupportedException($"a function pointer read as {boxed.GetType().Name}"),
        };

        public static string Name(nint entry, string path) =>
            entry == 0 ? "" : Table.Value.Names.TryGetValue(entry, out var n) ? n : throw new NotSupportedException($"a function pointer at {path} that is no instruction handler");

        public static nint Entry(string name, string path) =>
            name == "" ? 0 : Table.Value.Entries.TryGetValue(name, out var e) ? e : throw Invalid(path, $"'{name}' is not an instruction handler of this VirtPS");
    }

    /// <summary>The bytes of a primitive or enum array, as the runtime holds them.</summary>
    static Span<byte> RawBytes(Array a) =>
        MemoryMarshal.CreateSpan(ref MemoryMarshal.GetArrayDataReference(a), a.Length * ObjectGraph.ElementSize(a.GetType().GetElementType()!));

    static string? ComparerName(object? comparer, Type key)
    {
        if (comparer is null) return "default";
        var def = typeof(EqualityComparer<>).MakeGenericType(key).GetProperty("Default")!.GetValue(null);
        if (ReferenceEquals(comparer, def)) return "default";
        if (ReferenceEquals(comparer, StringComparer.Ordinal)) return "ordinal";
        if (ReferenceEquals(comparer, StringComparer.OrdinalIgnoreCase)) return "ordinalIgnoreCase";
        if (ReferenceEquals(comparer, ReferenceEqualityComparer.Instance)) return "reference";
        return null;
    }

    static object? Comparer(string name, Type key, string path) => name switch
    {
        "default" => typeof(EqualityComparer<>).MakeGenericType(key).GetProperty("Default")!.GetValue(null),
        "ordinal" => StringComparer.Ordinal,
        "ordinalIgnoreCase" => StringComparer.OrdinalIgnoreCase,
        "reference" => ReferenceEqualityComparer.Instance,
        _ => throw Invalid(path, $"'{name}' is not a comparer (default, ordinal, ordinalIgnoreCase, reference)"),
    };

    // ------------------------------------------------------------------ reading

    /// <summary>A checkpoint file read and checked, ready to be built into a guest.</summary>
    public sealed class Contents : IDisposable
    {
        public void Dispose() => Document.Dispose();
        internal Contents(string name, string guest, GuestSpec spec, JsonDocument doc) { Name = name; GuestName = guest; Spec = spec; Document = doc; }
        public string Name { get; }
        public string GuestName { get; }
        public GuestSpec Spec { get; }
        internal JsonDocument Document { get; }
    }

    static VirtPSException Invalid(string path, string problem) =>
        new(ErrorIds.CheckpointFieldInvalid, ErrorKind.InvalidData, $"{path}: {problem}.", path);

    /// <summary>Reads and checks a checkpoint file: CheckpointFileInvalid (not one, truncated, not gzip or JSON),
    /// CheckpointVersionNotSupported (another format version, or another engine build), CheckpointChecksumMismatch.</summary>
    public static Contents Read(byte[] file, string origin)
    {
        if (file.Length < HeaderSize || !file.AsSpan(0, 8).SequenceEqual(Magic))
            throw new VirtPSException(ErrorIds.CheckpointFileInvalid, ErrorKind.InvalidData,
                file.Length < HeaderSize && file.AsSpan(0, Math.Min(8, file.Length)).SequenceEqual(Magic.AsSpan(0, Math.Min(8, file.Length)))
                    ? $"{origin}: truncated ({file.Length} bytes; the header alone is {HeaderSize})." : $"{origin}: not a VirtPS checkpoint (no VPSCKPT header).", origin);
        int version = BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(8));
        if (version != CurrentVersion)
            throw new VirtPSException(ErrorIds.CheckpointVersionNotSupported, ErrorKind.InvalidData,
                $"{origin}: checkpoint format version {version}; this VirtPS reads version {CurrentVersion}.", version);
        var payload = file.AsSpan(HeaderSize);
        if (!SHA256.HashData(payload).AsSpan().SequenceEqual(file.AsSpan(12, 32)))
            throw new VirtPSException(ErrorIds.CheckpointChecksumMismatch, ErrorKind.InvalidData,
                $"{origin}: the payload's SHA-256 is not the one in the header: the file is damaged or truncated.", origin);
        JsonDocument doc;
        try
        {
            using var gz = new GZipStream(new MemoryStream(file, HeaderSize, file.Length - HeaderSize), CompressionMode.Decompress);
            using var json = new MemoryStream();
            gz.CopyTo(json);
            doc = JsonDocument.Parse(json.ToArray());
        }
        catch (Exception e) when (e is InvalidDataException or JsonException or IOException)
        {
            throw new VirtPSException(ErrorIds.CheckpointFileInvalid, ErrorKind.InvalidData, $"{origin}: the payload is not gzip'd JSON: {e.Message}", origin);
        }
        var root = doc.RootElement;
        string Str(string name) => root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()!
            : throw Invalid($"$.{name}", "must be a string");
        if (Str("format") != "VirtPS.Checkpoint") throw Invalid("$.format", "must be \"VirtPS.Checkpoint\"");
        if (Str("engine") != typeof(CheckpointFile).Module.ModuleVersionId.ToString())
            throw new VirtPSException(ErrorIds.CheckpointVersionNotSupported, ErrorKind.InvalidData,
                $"{origin}: written by another VirtPS build (engine {Str("engine")}); a checkpoint is read by the build that wrote it.", origin);
        LabDocument.GuestEntry entry;
        try { entry = root.GetProperty("spec").Deserialize(LabJsonContext.Default.GuestEntry) ?? throw Invalid("$.spec", "is null"); }
        catch (KeyNotFoundException) { throw Invalid("$.spec", "is missing"); }
        catch (JsonException e) { throw Invalid("$.spec" + (e.Path ?? "").TrimStart('$'), "has a value of the wrong type"); }
        GuestSpec spec;
        try { spec = LabFile.Spec(entry, origin, "$.spec"); }
        catch (VirtPSException e) when (e.ErrorId == ErrorIds.LabFieldInvalid) { throw Invalid("$.spec", e.Message); }
        if (!root.TryGetProperty("objects", out var objects) || objects.ValueKind != JsonValueKind.Array || objects.GetArrayLength() == 0)
            throw Invalid("$.objects", "must be an array of the guest's objects");
        if (!root.TryGetProperty("types", out var types) || types.ValueKind != JsonValueKind.Array)
            throw Invalid("$.types", "must be an array of type names");
        return new Contents(Str("name"), Str("guest"), spec, doc);
    }

    /// <summary>Gives <paramref name="guest"/> (built from <see cref="Contents.Spec"/>, not yet run) the file's state.</summary>
    public static void Load(Contents contents, Guest guest) => new GraphReader(contents.Document.RootElement, guest).Load();

    sealed class GraphReader(JsonElement root, Guest guest)
    {
        Type[] _types = [];
        object?[] _objects = [];
        object _fresh = null!;
        readonly List<Action> _hashedFills = [];

        public void Load()
        {
            var types = root.GetProperty("types");
            _types = new Type[types.GetArrayLength()];
            int i = 0;
            foreach (var t in types.EnumerateArray()) _types[i] = Allowed(t.GetString(), $"$.types[{i++}]");
            var objects = root.GetProperty("objects");
            _objects = new object?[objects.GetArrayLength()];
            // Pass 1: every object exists (no constructor run); the root is the guest itself.
            i = 0;
            foreach (var o in objects.EnumerateArray()) _objects[i] = Create(o, $"$.objects[{i++}]");
            // What belongs to the lab is looked up in the new guest as it was built, before its fields are overwritten.
            _fresh = ObjectGraph.Blank(typeof(Guest));
            foreach (var f in ObjectGraph.FieldsOf(typeof(Guest))) f.SetValue(_fresh, f.GetValue(guest));
            // Pass 2: delegates (their targets exist now), then every object's fields and items, then hash-based collections
            // once their keys are whole.
            i = 0;
            foreach (var o in objects.EnumerateArray()) { int id = i++; if (_objects[id] is DelegateSlot) Fill(o, _objects[id]!, $"$.objects[{id}]"); }
            i = 0;
            foreach (var o in objects.EnumerateArray()) { int id = i++; if (_objects[id] is not DelegateSlot) Fill(o, _objects[id]!, $"$.objects[{id}]"); }
            foreach (var fill in _hashedFills) fill();
            // Who the guest is stays the importer's: its name, its specification and its place in the lab.
            foreach (var f in ObjectGraph.FieldsOf(typeof(Guest)).Where(f => Identity.Contains(f.Name))) f.SetValue(guest, f.GetValue(_fresh));
        }

        static readonly string[] Identity = ["<Name>k__BackingField", "<Spec>k__BackingField", "<Host>k__BackingField"];

        static readonly string[] AllowedAssemblies = [typeof(CheckpointFile).Assembly.GetName().Name!, "Iced", typeof(object).Assembly.GetName().Name!,
            typeof(Stack<>).Assembly.GetName().Name!, typeof(System.Collections.Concurrent.ConcurrentQueue<>).Assembly.GetName().Name!];
        static readonly string[] OwnAssemblies = [typeof(CheckpointFile).Assembly.GetName().Name!, "Iced"];

        static Type Allowed(string? name, string path)
        {
            var t = name is null ? null : Type.GetType(name, throwOnError: false);
            if (t is null) throw Invalid(path, $"'{name}' is not a type of this VirtPS");
            var asm = t.IsArray ? t.GetElementType()!.Assembly : t.Assembly;
            // Only the engine's own types and the runtime's collections and values: a file cannot make arbitrary objects.
            if (!AllowedAssemblies.Contains(asm.GetName().Name) || (!OwnAssemblies.Contains(asm.GetName().Name) && !(t.IsPrimitive || t.IsArray || t.IsValueType
                || t.Namespace == "System.Collections.Generic" || t == typeof(string) || t == typeof(StringBuilder) || typeof(Delegate).IsAssignableFrom(t)
                || t == typeof(object) || t.Namespace == "System.Collections.Concurrent")))
                throw Invalid(path, $"'{t.FullName}' is not a type a checkpoint holds");
            return t;
        }

        Type TypeAt(JsonElement e, string path) =>
            e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out int i) && i >= 0 && i < _types.Length ? _types[i] : throw Invalid(path, "is not a type index");

        object Create(JsonElement o, string path)
        {
            if (path == "$.objects[0]") return guest;
            var t = TypeAt(o.GetProperty("type"), path + ".type");
            if (t.IsArray)
            {
                int length = o.TryGetProperty("length", out var l) && l.TryGetInt32(out int n) && n >= 0 ? n : throw Invalid(path + ".length", "must be a whole number");
                return Array.CreateInstance(t.GetElementType()!, length);
            }
            if (ObjectGraph.IsHashed(t))
            {
                var key = t.GetGenericArguments()[0];
                string name = o.TryGetProperty("comparer", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString()! : throw Invalid(path + ".comparer", "must be a string");
                return Activator.CreateInstance(t, Comparer(name, key, path + ".comparer"))!;
            }
            if (typeof(Delegate).IsAssignableFrom(t)) return new DelegateSlot(t);
            return ObjectGraph.Blank(t);
        }

        /// <summary>A delegate is made once its target exists: a placeholder until then.</summary>
        sealed class DelegateSlot(Type type) { public Type Type = type; public Delegate? Made; }

        void Fill(JsonElement o, object target, string path)
        {
            switch (target)
            {
                case Array a when Primitive(a.GetType().GetElementType()!):
                    byte[] data;
                    try { data = o.GetProperty("data").GetBytesFromBase64(); }
                    catch (Exception e) when (e is KeyNotFoundException or FormatException or InvalidOperationException) { throw Invalid(path + ".data", "must be base64"); }
                    var into = RawBytes(a);
                    if (data.Length != into.Length) throw Invalid(path + ".data", $"holds {data.Length} bytes for {a.Length} elements");
                    data.CopyTo(into);
                    break;
                case Array a:
                    var items = o.GetProperty("items");
                    if (items.GetArrayLength() != a.Length) throw Invalid(path + ".items", $"has {items.GetArrayLength()} items for a length of {a.Length}");
                    int i = 0;
                    foreach (var item in items.EnumerateArray()) { a.SetValue(Read(item, a.GetType().GetElementType()!, $"{path}.items[{i}]"), i); i++; }
                    break;
                case DelegateSlot slot:
                    Delegate? made = null;
                    int k = 0;
                    foreach (var call in o.GetProperty("calls").EnumerateArray())
                    {
                        string at = $"{path}.calls[{k++}]";
                        var declaring = TypeAt(call.GetProperty("declaringType"), at + ".declaringType");
                        var method = declaring.Module.ResolveMethod(call.GetProperty("method").GetInt32()) as MethodInfo ?? throw Invalid(at + ".method", "is not a method");
                        object? t = Read(call.GetProperty("target"), typeof(object), at + ".target");
                        var one = t is null ? Delegate.CreateDelegate(slot.Type, method) : Delegate.CreateDelegate(slot.Type, t, method);
                        made = Delegate.Combine(made, one);
                    }
                    slot.Made = made;
                    break;
                default:
                    var type = target.GetType();
                    if (ObjectGraph.IsHashed(type))
                    {
                        var entries = o.GetProperty("entries");
                        var args = type.GetGenericArguments();
                        _hashedFills.Add(() =>
                        {
                            int n = 0;
                            if (target is IDictionary dict)
                                foreach (var e in entries.EnumerateArray())
                                {
                                    string at = $"{path}.entries[{n++}]";
                                    if (e.ValueKind != JsonValueKind.Array || e.GetArrayLength() != 2) throw Invalid(at, "must be [key, value]");
                                    dict[Read(e[0], args[0], at + "[0]")!] = Read(e[1], args[1], at + "[1]");
                                }
                            else
                            {
                                var add = type.GetMethod("Add")!;
                                foreach (var e in entries.EnumerateArray()) add.Invoke(target, [Read(e, args[0], $"{path}.entries[{n++}]")]);
                            }
                        });
                        break;
                    }
                    if (!o.TryGetProperty("fields", out var fields) || fields.ValueKind != JsonValueKind.Object) throw Invalid(path + ".fields", "must be an object");
                    FillFields(fields, target, type, path + ".fields");
                    break;
            }
        }

        void FillFields(JsonElement fields, object target, Type type, string path)
        {
            foreach (var f in ObjectGraph.FieldsOf(type))
            {
                string name = f.DeclaringType == type ? f.Name : $"{f.DeclaringType!.Name}.{f.Name}";
                if (!fields.TryGetProperty(name, out var v)) throw Invalid($"{path}.{name}", "is missing");
                if (f.FieldType.IsFunctionPointer)
                {
                    f.SetValue(target, v.ValueKind == JsonValueKind.String ? Handlers.Entry(v.GetString()!, $"{path}.{name}") : throw Invalid($"{path}.{name}", "must name a handler"));
                    continue;
                }
                f.SetValue(target, Read(v, f.FieldType, $"{path}.{name}"));
            }
        }

        object? Read(JsonElement v, Type declared, string path)
        {
            try { return ReadValue(v, declared, path); }
            catch (Exception e) when (e is InvalidOperationException or FormatException or OverflowException or ArgumentException or KeyNotFoundException)
            {
                throw Invalid(path, $"is not a {declared.Name} ({e.Message})");
            }
        }

        object? ReadValue(JsonElement v, Type declared, string path)
        {
            var underlying = declared.IsEnum ? Enum.GetUnderlyingType(declared) : declared;
            switch (v.ValueKind)
            {
                case JsonValueKind.Null:
                    return declared.IsValueType && Nullable.GetUnderlyingType(declared) is null ? throw Invalid(path, $"is null, but a {declared.Name} is never null") : null;
                case JsonValueKind.True or JsonValueKind.False when underlying == typeof(bool): return v.GetBoolean();
                case JsonValueKind.String when declared == typeof(string) || declared == typeof(object): return v.GetString();
                case JsonValueKind.String when underlying == typeof(double): return double.Parse(v.GetString()!, CultureInfo.InvariantCulture);
                case JsonValueKind.String when underlying == typeof(float): return float.Parse(v.GetString()!, CultureInfo.InvariantCulture);
                case JsonValueKind.Number when underlying.IsPrimitive:
                    object n = underlying == typeof(ulong) ? v.GetUInt64() : underlying == typeof(double) ? v.GetDouble() : underlying == typeof(float) ? v.GetSingle()
                        : Convert.ChangeType(v.GetInt64(), underlying, CultureInfo.InvariantCulture);
                    return declared.IsEnum ? Enum.ToObject(declared, n) : n;
                case JsonValueKind.Object when v.TryGetProperty("ref", out var r):
                    int id = r.GetInt32();
                    if (id < 0 || id >= _objects.Length) throw Invalid(path + ".ref", $"{id} is not an object of the file");
                    var o = _objects[id];
                    if (o is DelegateSlot slot) return slot.Made ?? throw Invalid(path, "refers to a delegate before it is made");
                    if (o is not null && !declared.IsInstanceOfType(o)) throw Invalid(path, $"refers to a {o.GetType().Name} where a {declared.Name} goes");
                    return o;
                case JsonValueKind.Object when v.TryGetProperty("shared", out var s):
                    return Resolve(s.GetString() ?? "", path);
                case JsonValueKind.Object when v.TryGetProperty("static", out var st):
                    var holder = TypeAt(st, path + ".static");
                    return holder.GetField("<>9", BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic)?.GetValue(null) ?? throw Invalid(path, "names no lambda cache");
                case JsonValueKind.Object when v.TryGetProperty("new", out var nw):
                    var cache = TypeAt(nw, path + ".new");
                    return Activator.CreateInstance(cache);
                case JsonValueKind.Object when v.TryGetProperty("box", out var b):
                    var boxed = TypeAt(b, path + ".box");
                    var value = v.GetProperty("value");
                    if (boxed.IsPrimitive || boxed.IsEnum || boxed == typeof(string)) return ReadValue(value, boxed, path + ".value");
                    var box = ObjectGraph.Blank(boxed);
                    foreach (var f in ObjectGraph.FieldsOf(boxed))
                        f.SetValue(box, Read(value.TryGetProperty(f.Name, out var fv) ? fv : throw Invalid($"{path}.value.{f.Name}", "is missing"), f.FieldType, $"{path}.value.{f.Name}"));
                    return box;
            }
            throw Invalid(path, $"a {v.ValueKind} is not a {declared.Name}");
        }

        /// <summary>What belongs to the lab, found where the file found it: the same field path in the guest built from the spec.</summary>
        object? Resolve(string path, string at)
        {
            object? o = _fresh;
            foreach (var part in path.Split('.', StringSplitOptions.RemoveEmptyEntries))
            {
                if (o is null) break;
                string field = part;
                int index = -1;
                int bracket = part.IndexOf('[');
                if (bracket >= 0) { field = part[..bracket]; index = int.Parse(part[(bracket + 1)..^1], CultureInfo.InvariantCulture); }
                var f = ObjectGraph.FieldsOf(o.GetType()).FirstOrDefault(x => x.Name == field) ?? throw Invalid(at, $"the path {path} does not exist in a new guest");
                o = f.GetValue(o);
                if (index >= 0) o = (o as Array)?.GetValue(index);
            }
            // The host is the importer's lab's, given when the guest is added to it.
            if (o is null && path == ".<Host>k__BackingField") return null;
            return o ?? throw Invalid(at, $"the path {path} leads nowhere in a new guest");
        }
    }
}
