using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using VirtPS.Engine.Costs;

namespace VirtPS;

/// <summary>Completes the names of the built-in cost profiles on Tab.</summary>
public sealed class CostProfileNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName,
        string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters) =>
        NameCompletion.Complete(wordToComplete, CostModel.BuiltinNames.Select(n => (n, CostModel.Builtin(n).Description)));
}
