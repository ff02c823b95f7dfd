using System.Text.RegularExpressions;

namespace DbDoctor.Diagnosis.Origins;

/// <summary>
/// Method names as a person wrote them: the compiler's async and iterator state machines, lambdas' display classes
/// and local functions folded back into the method they belong to
/// (<c>Shop.Jobs+&lt;RunAsync&gt;d__8.MoveNext</c> → <c>Shop.Jobs.RunAsync</c>).
/// </summary>
public static partial class CodeNames
{
    public static string Readable(string method)
    {
        ArgumentNullException.ThrowIfNull(method);
        var name = method;
        if (name.EndsWith(".MoveNext", StringComparison.Ordinal) && StateMachine().IsMatch(name))
        {
            name = name[..^".MoveNext".Length];
        }

        name = DisplayClass().Replace(name, "");
        name = AsyncLambda().Replace(name, "${method} (lambda)");
        name = Lambda().Replace(name, "${method} (lambda)");
        name = LocalFunction().Replace(name, "${method}.${local}");
        name = StateMachineName().Replace(name, "${method}");
        return name.Replace('+', '.');
    }

    [GeneratedRegex(@">d(__\d+)?$|>d(__\d+)?\.MoveNext$")]
    private static partial Regex StateMachine();

    [GeneratedRegex(@"\+<>c(__DisplayClass[\d_]+)?")]
    private static partial Regex DisplayClass();

    [GeneratedRegex(@"<<(?<method>[^<>]+)>b__[\w]+>d(__\d+)?")]
    private static partial Regex AsyncLambda();

    [GeneratedRegex(@"<(?<method>[^<>]+)>b__[\w]+")]
    private static partial Regex Lambda();

    [GeneratedRegex(@"<(?<method>[^<>]+)>g__(?<local>[^|]+)\|[\w]+")]
    private static partial Regex LocalFunction();

    [GeneratedRegex(@"<(?<method>[^<>]+)>d__\d+")]
    private static partial Regex StateMachineName();
}
