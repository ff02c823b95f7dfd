namespace DbDoctor.Model;

/// <summary>What a compiler-generated state machine type (<c>&lt;M&gt;d__N</c>) runs: its name alone does not say.</summary>
public enum StateMachineKind
{
    Unknown,
    Async,
    Iterator,
    AsyncIterator,
}

/// <summary>
/// What the names of compiler-generated types do not carry, learned from the types themselves (their fields and methods)
/// by whoever can see them: whether a state machine is an async method or an iterator, and which method a closure
/// (display class) belongs to. Keys are <see cref="CodeNames.KeyOf"/> of the type's name.
/// </summary>
public sealed class CodeNameHints
{
    private readonly Dictionary<string, StateMachineKind> _kinds = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _closureMethods = new(StringComparer.Ordinal);

    public static CodeNameHints None { get; } = new();

    public void AddStateMachine(string typeName, StateMachineKind kind)
    {
        if (kind != StateMachineKind.Unknown && this != None)
        {
            _kinds[CodeNames.KeyOf(typeName)] = kind;
        }
    }

    /// <summary>A closure's method, as the compiler names its lambdas (e.g. <c>&lt;Main&gt;b__0</c>): the part in brackets is kept.</summary>
    public void AddClosureMethod(string typeName, string lambdaName)
    {
        if (this != None)
        {
            _closureMethods.TryAdd(CodeNames.KeyOf(typeName), lambdaName);
        }
    }

    public StateMachineKind KindOf(string key) => _kinds.GetValueOrDefault(key);

    public string? ClosureMethodOf(string key) => _closureMethods.GetValueOrDefault(key);
}
