using System.Collections;
using System.Collections.Concurrent;
using System.Reflection;
using System.Reflection.Emit;
using System.Runtime.CompilerServices;

namespace VirtPS.Engine.Checkpoints;

/// <summary>
/// A deep copy of an object graph by its fields, the one mechanism a checkpoint needs for every part of a guest (CPU,
/// memory frames, TLBs and walk caches, devices, the VMM and its ledger) whatever type holds it: each object reached is
/// copied once (shared references stay shared, cycles stay cycles), except what <see cref="_shared"/> says belongs to the
/// lab rather than the guest (its host, cost model, networks), which both graphs keep referring to. A memory frame is a
/// byte array like any other, so a guest's copy costs what it has touched. Hash-based collections are rebuilt rather than
/// copied, since a copied key may hash differently (identity hashes). Delegates are bound again to the copies of their
/// targets. <see cref="Into"/> copies a root into an existing object, so a guest keeps its identity when rewound.
/// </summary>
internal sealed class ObjectGraph
{
    readonly Dictionary<object, object> _map = new(ReferenceEqualityComparer.Instance);
    readonly Func<object, bool> _shared;

    public ObjectGraph(Func<object, bool> shared) => _shared = shared;

    /// <summary>Objects copied so far (a checkpoint's size is measured from them).</summary>
    public IEnumerable<object> Copies => _map.Values;

    static readonly Func<object, object> ShallowClone = (Func<object, object>)Delegate.CreateDelegate(typeof(Func<object, object>),
        typeof(object).GetMethod("MemberwiseClone", BindingFlags.Instance | BindingFlags.NonPublic)!);

    static readonly ConcurrentDictionary<Type, FieldInfo[]> AllFields = new();
    static readonly ConcurrentDictionary<Type, FieldInfo[]> ReferenceFields = new();
    static readonly ConcurrentDictionary<Type, bool> HoldsReferences = new();

    /// <summary>Every instance field of <paramref name="t"/> and its base classes.</summary>
    public static FieldInfo[] FieldsOf(Type t) => AllFields.GetOrAdd(t, static t =>
    {
        var list = new List<FieldInfo>();
        for (var c = t; c != null && c != typeof(object); c = c.BaseType)
            list.AddRange(c.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly));
        return [.. list];
    });

    /// <summary>The fields a shallow copy leaves pointing into the old graph: references, and structs that hold references.</summary>
    static FieldInfo[] ReferenceFieldsOf(Type t) => ReferenceFields.GetOrAdd(t, static t => FieldsOf(t).Where(f => Holds(f.FieldType)).ToArray());

    /// <summary>Whether a value of type <paramref name="t"/> can hold a reference to an object.</summary>
    public static bool Holds(Type t) => HoldsReferences.GetOrAdd(t, static t =>
        t.IsPointer || t.IsFunctionPointer || t.IsPrimitive || t.IsEnum ? false
        : !t.IsValueType || FieldsOf(t).Any(f => f.FieldType != t && Holds(f.FieldType)));

    /// <summary>Types whose objects never change, so a copy may share them.</summary>
    public static bool IsImmutable(Type t) =>
        t == typeof(string) || t.IsPrimitive || t.IsEnum || typeof(MemberInfo).IsAssignableFrom(t) || t == typeof(Pointer)
        || typeof(Module).IsAssignableFrom(t) || typeof(Assembly).IsAssignableFrom(t);

    /// <summary>Bytes per element of a primitive or enum array, as the runtime stores it (char 2, bool 1: not the marshaled size).</summary>
    public static int ElementSize(Type e)
    {
        if (e.IsEnum) e = Enum.GetUnderlyingType(e);
        return e == typeof(char) ? 2 : e == typeof(bool) ? 1 : System.Runtime.InteropServices.Marshal.SizeOf(e);
    }

    /// <summary>Hash-based collections, rebuilt entry by entry.</summary>
    public static bool IsHashed(Type t) => t.IsGenericType && t.GetGenericTypeDefinition() is var g
        && (g == typeof(Dictionary<,>) || g == typeof(HashSet<>) || g == typeof(ConcurrentDictionary<,>));

    /// <summary>The copy of <paramref name="o"/> in the new graph.</summary>
    public object? Copy(object? o)
    {
        if (o is null) return null;
        var t = o.GetType();
        if (IsImmutable(t) || _shared(o)) return o;
        if (t.IsValueType)
        {
            // A boxed struct (in an object field): copy the box, then what it refers to.
            if (!Holds(t)) return o;
            var box = ShallowClone(o);
            Fix(box, t);
            return box;
        }
        if (_map.TryGetValue(o, out var done)) return done;
        if (o is System.Runtime.InteropServices.SafeHandle or Stream or Thread or Task or WaitHandle)
            throw new NotSupportedException($"a {t.Name} (an operating-system resource) cannot be copied");
        if (o is Delegate d) return CopyDelegate(d);
        if (IsHashed(t)) return CopyHashed(o, t);
        if (o is Array a) return CopyArray(a);
        var copy = ShallowClone(o);
        _map[o] = copy;
        Fix(copy, t);
        return copy;
    }

    /// <summary>Copies every field of <paramref name="source"/> into <paramref name="target"/> (the same type), so that
    /// <paramref name="target"/> becomes a copy of it and everything that referred to <paramref name="source"/> in the copied
    /// graph refers to <paramref name="target"/>.</summary>
    public void Into(object source, object target)
    {
        var t = source.GetType();
        if (target.GetType() != t) throw new ArgumentException($"{target.GetType()} is not a {t}.", nameof(target));
        _map[source] = target;
        foreach (var f in FieldsOf(t))
        {
            object? v = f.GetValue(source);
            f.SetValue(target, Holds(f.FieldType) ? Copy(v) : v);
        }
    }

    /// <summary>Replaces the references a shallow copy took over with their copies.</summary>
    void Fix(object copy, Type t)
    {
        foreach (var f in ReferenceFieldsOf(t))
        {
            object? v = f.GetValue(copy);
            if (v is null) continue;
            f.SetValue(copy, Copy(v));
        }
    }

    Array CopyArray(Array a)
    {
        var copy = (Array)a.Clone();
        _map[a] = copy;
        var element = a.GetType().GetElementType()!;
        if (!Holds(element)) return copy;
        if (a.Rank != 1) throw new NotSupportedException($"A checkpoint cannot copy a {a.Rank}-dimensional {element.Name} array.");
        if (element.IsValueType)
            for (int i = 0; i < copy.Length; i++)
            {
                object box = copy.GetValue(i)!;
                Fix(box, element);
                copy.SetValue(box, i);
            }
        else if (copy is object?[] refs)
            for (int i = 0; i < refs.Length; i++) refs[i] = Copy(refs[i]);
        else
            for (int i = 0; i < copy.Length; i++) copy.SetValue(Copy(copy.GetValue(i)), i);
        return copy;
    }

    object CopyHashed(object o, Type t)
    {
        object? comparer = t.GetProperty("Comparer")?.GetValue(o);
        var copy = Activator.CreateInstance(t, Copy(comparer))!;
        _map[o] = copy;
        if (o is IDictionary dict)
        {
            var into = (IDictionary)copy;
            foreach (DictionaryEntry e in dict) into[Copy(e.Key)!] = Copy(e.Value);
        }
        else
        {
            var add = t.GetMethod("Add")!;
            foreach (var item in (IEnumerable)o) add.Invoke(copy, [Copy(item)]);
        }
        return copy;
    }

    Delegate CopyDelegate(Delegate d)
    {
        var parts = d.GetInvocationList();
        Delegate result;
        if (parts.Length > 1) result = Delegate.Combine(parts.Select(p => (Delegate?)Copy(p)).ToArray())!;
        else if (d.Target is null) return d;
        else
        {
            var target = Copy(d.Target);
            if (ReferenceEquals(target, d.Target)) return d;
            // A compiled block is a dynamic method closed over its constants: bind the same code to their copy.
            result = d.Method is DynamicMethod dm ? dm.CreateDelegate(d.GetType(), target) : Delegate.CreateDelegate(d.GetType(), target, d.Method);
        }
        _map[d] = result;
        return result;
    }

    /// <summary>A new object of <paramref name="t"/> with no constructor run, for <see cref="Into"/> to fill.</summary>
    public static object Blank(Type t) => RuntimeHelpers.GetUninitializedObject(t);
}
