using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using VirtPS.Engine.Io.Input;

namespace VirtPS;

/// <summary>Completes the names of the guest keyboard's keys (Send-VInput -Key), with their set 1 scancode as the tooltip.</summary>
public sealed class KeyNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters) =>
        NameCompletion.Complete(wordToComplete, ScanCodes.Keys.Select(k => (k.Name, $"set 1: {(k.Extended ? "E0 " : "")}{k.Set1:X2}")));
}
