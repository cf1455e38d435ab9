using System.Management.Automation;
using System.Text.RegularExpressions;

namespace VirtPS;

/// <summary>The one completion rule every VirtPS name completer uses: case-insensitive prefix match, sorted,
/// quoted when the name needs it, with a tooltip.</summary>
internal static class NameCompletion
{
    public static IEnumerable<CompletionResult> Complete(string? wordToComplete, IEnumerable<(string Name, string Tooltip)> candidates)
    {
        string prefix = (wordToComplete ?? "").Trim('\'', '"');
        var pattern = WildcardPattern.Get(WildcardPattern.Escape(prefix) + "*", WildcardOptions.IgnoreCase);
        foreach (var (name, tooltip) in candidates.OrderBy(c => c.Name, StringComparer.OrdinalIgnoreCase))
        {
            if (!pattern.IsMatch(name)) continue;
            string text = Regex.IsMatch(name, @"^[\w.\-]+$") ? name : "'" + name.Replace("'", "''") + "'";
            yield return new CompletionResult(text, name, CompletionResultType.ParameterValue, tooltip);
        }
    }
}
