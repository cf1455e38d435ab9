using System.Collections;
using System.Management.Automation;
using VirtPS.Engine;
using VirtPS.Engine.Guests;

namespace VirtPS;

/// <summary>
/// The one rule by which guests and hosts are named on the command line. An object stands for itself; a name
/// (compared without case) resolves to the object of that name; a wildcard pattern to every match, in name order,
/// and a pattern that matches nothing to none, as <c>Get-VM</c> does. A name without wildcards that matches nothing
/// is GuestNotFound or HostNotFound (ObjectNotFound). <see cref="GuestTransformationAttribute"/> and
/// <see cref="HostTransformationAttribute"/> apply it to <c>-Guest</c> and <c>-VHost</c>; the noun cmdlets'
/// <c>-Name</c> filters (Get-VGuest, Remove-VGuest, Get-VHost, ...) use <see cref="Match"/>.
/// </summary>
internal static class LabNames
{
    public static VirtPSException GuestNotFound(string name) =>
        new(ErrorIds.GuestNotFound, ErrorKind.ObjectNotFound, $"No guest named '{name}' exists.", name);

    public static VirtPSException HostNotFound(string name) =>
        new(ErrorIds.HostNotFound, ErrorKind.ObjectNotFound, $"No host named '{name}' exists.", name);

    /// <summary>The guests of the runspace's lab a name or pattern selects; throws GuestNotFound for a plain name that matches none.</summary>
    public static IReadOnlyList<Guest> Guests(string name) => Select(LabState.Current.Guests, name, g => g.Name, GuestNotFound);

    /// <summary>The hosts of the runspace's lab a name or pattern selects; throws HostNotFound for a plain name that matches none.</summary>
    public static IReadOnlyList<VHost> Hosts(string name) => Select(LabState.Current.Hosts, name, h => h.Name, HostNotFound);

    /// <summary>
    /// The objects each name or pattern selects, in name order per name; a plain name that matches nothing writes its
    /// not-found error (non-terminating) and the others go on.
    /// </summary>
    public static IEnumerable<T> Match<T>(Cmdlet cmdlet, IEnumerable<string> names, Func<string, IReadOnlyList<T>> select)
    {
        foreach (var name in names)
        {
            IReadOnlyList<T> found;
            try { found = select(name); }
            catch (VirtPSException e) { cmdlet.WriteError(Errors.From(e)); continue; }
            foreach (var item in found) yield return item;
        }
    }

    static IReadOnlyList<T> Select<T>(IEnumerable<T> all, string name, Func<T, string> nameOf, Func<string, VirtPSException> notFound)
        where T : class
    {
        if (!WildcardPattern.ContainsWildcardCharacters(name))
            return all.FirstOrDefault(x => string.Equals(nameOf(x), name, StringComparison.OrdinalIgnoreCase)) is { } match
                ? [match] : throw notFound(name);
        var pattern = WildcardPattern.Get(name, WildcardOptions.IgnoreCase);
        return all.Where(x => pattern.IsMatch(nameOf(x))).OrderBy(nameOf, StringComparer.OrdinalIgnoreCase).ToList();
    }

    /// <summary>
    /// An argument transformation: strings (alone or in a list) become the objects they select, anything else is left
    /// for the binder. With <paramref name="single"/> (a parameter that takes one object) a name or pattern must select
    /// exactly one (else the not-found error, or AmbiguousName). Errors fail the binding, with the VirtPS error inside.
    /// </summary>
    public static object? Transform<T>(object? input, Func<string, IReadOnlyList<T>> select, Func<string, VirtPSException> notFound,
        bool single, string noun) where T : class
    {
        try
        {
            switch (Unwrap(input))
            {
                case string name:
                    var found = select(name);
                    if (single && found.Count == 0) throw notFound(name);
                    if (single && found.Count > 1)
                        throw new VirtPSException(ErrorIds.AmbiguousName, ErrorKind.InvalidArgument,
                            $"'{name}' matches {found.Count} {noun}s ({string.Join(", ", found)}); name one.", name);
                    return found.Count == 1 ? found[0] : found.ToArray();
                case IList list when list.Cast<object?>().Any(o => Unwrap(o) is string):
                    var items = new List<object?>();
                    foreach (var o in list)
                    {
                        if (Unwrap(o) is string s) items.AddRange(select(s));
                        else items.Add(o);
                    }
                    return items.ToArray();
                default:
                    return input;
            }
        }
        catch (VirtPSException e) { throw new ArgumentTransformationMetadataException(e.Message, e); }
    }

    static object? Unwrap(object? o) => o is PSObject p ? p.BaseObject : o;
}
