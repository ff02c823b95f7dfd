using System.Text;

namespace DbDoctor.Model;

/// <summary>
/// Type, method and field names as the runtime spells them (<c>Program+&lt;&gt;c__DisplayClass1_0+&lt;&lt;Main&gt;b__1&gt;d</c>,
/// <c>List`1</c>, <c>&lt;Pool&gt;k__BackingField</c>) turned into what a C# developer reads: "async lambda in Program.Main",
/// "iterator Shop.Orders", "local function Load in Program.Main", "List&lt;Order&gt;", "Pool". Outer type names keep
/// their namespace; generic arguments and parameter types are shown short (and as C# keywords for the built-in types).
/// Names it cannot parse come back with only their generic arity removed.
/// </summary>
public static partial class CodeNames
{
    private static readonly Dictionary<string, string> Keywords = new(StringComparer.Ordinal)
    {
        ["String"] = "string", ["Object"] = "object", ["Boolean"] = "bool", ["Char"] = "char", ["Byte"] = "byte",
        ["SByte"] = "sbyte", ["Int16"] = "short", ["UInt16"] = "ushort", ["Int32"] = "int", ["UInt32"] = "uint",
        ["Int64"] = "long", ["UInt64"] = "ulong", ["Single"] = "float", ["Double"] = "double", ["Decimal"] = "decimal",
        ["Void"] = "void", ["IntPtr"] = "nint", ["UIntPtr"] = "nuint",
    };

    /// <summary>A type's name (e.g. a path element's type).</summary>
    public static string Type(string? clrName, CodeNameHints? hints = null) =>
        clrName is null ? "?" : Safe(clrName, () => Render(Parse(clrName), hints ?? CodeNameHints.None, shortName: false, forceAsync: false).Text);

    /// <summary>A method of a type: "async Shop.Jobs.RunAsync" for a state machine's MoveNext, "lambda in Program.Main", "Shop.Db.Open".</summary>
    public static string Method(string? typeName, string? methodName, CodeNameHints? hints = null) =>
        Safe($"{typeName}.{methodName}", () => MethodText(Render(Parse(typeName ?? "?"), hints ?? CodeNameHints.None, false, false), methodName ?? "?"));

    /// <summary>A field reached on a type: "Shop.Db.Pool" for a backing field, "async Shop.Jobs.RunAsync (local connection)" for a hoisted local.</summary>
    public static string Field(string? typeName, string? fieldName, CodeNameHints? hints = null) =>
        Safe($"{typeName}.{fieldName}", () =>
        {
            var type = Render(Parse(typeName ?? "?"), hints ?? CodeNameHints.None, false, false);
            return type.Generated ? $"{type.Text} ({FieldRole(fieldName ?? "?")})" : $"{type.Text}.{FieldName(fieldName ?? "?")}";
        });

    /// <summary>
    /// The async method (or lambda, or local function) a state machine type runs, without the word "async": "Shop.Jobs.RunAsync",
    /// "lambda in Program.Main"; null when the type is no compiler-generated state machine.
    /// </summary>
    public static string? AsyncMethodOf(string? stateMachineTypeName)
    {
        if (stateMachineTypeName is null || !stateMachineTypeName.Contains('<'))
        {
            return null;
        }

        try
        {
            var name = Parse(stateMachineTypeName);
            var last = name.Parts[^1];
            if (name.Suffix.Length > 0 || !last.Text.StartsWith('<') || !IsStateMachineTail(Token(last.Text).Tail))
            {
                return null;
            }

            var text = Render(name, CodeNameHints.None, false, forceAsync: true).Text;
            return text.StartsWith("async ", StringComparison.Ordinal) ? text["async ".Length..] : text;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>
    /// A method as a runtime signature shows it, <c>Ns.Type+&lt;&gt;c__DisplayClass0_0.&lt;Run&gt;b__1(System.String)</c>:
    /// "lambda in Ns.Type.Run"; an ordinary method keeps its parameter types, short: "Ns.Type.Open(string, CancellationToken)".
    /// </summary>
    public static string Signature(string signature, CodeNameHints? hints = null) => Safe(signature, () =>
    {
        var open = IndexAtDepthZero(signature, '(', 0);
        var head = open < 0 ? signature : signature[..open];
        string typeName, methodName;
        if (head.EndsWith("..ctor", StringComparison.Ordinal) || head.EndsWith("..cctor", StringComparison.Ordinal))
        {
            var dot = head.LastIndexOf("..", StringComparison.Ordinal);
            (typeName, methodName) = (head[..dot], head[(dot + 1)..]);
        }
        else
        {
            var dot = LastIndexAtDepthZero(head, '.');
            if (dot < 0)
            {
                return StripArity(signature);
            }

            (typeName, methodName) = (head[..dot], head[(dot + 1)..]);
        }

        var typeArguments = "";
        var instantiation = methodName.IndexOf("[[", StringComparison.Ordinal);
        if (instantiation > 0)
        {
            // A generic method's instantiation, Start[[Shop.Jobs+<RunAsync>d__3, Shop]]: read as Start<…>.
            var at = instantiation;
            var arguments = ParseAssemblyQualifiedArguments(methodName, ref at);
            typeArguments = "<" + string.Join(", ", arguments.Select(a => Render(a, CodeNameHints.None, shortName: true, forceAsync: false).Text)) + ">";
            methodName = methodName[..instantiation];
        }

        var type = Render(Parse(typeName), hints ?? CodeNameHints.None, false, false);
        var text = MethodText(type, methodName) + typeArguments;
        if (open < 0 || type.Generated || methodName.StartsWith('<'))
        {
            return text;
        }

        var close = signature.LastIndexOf(')');
        var parameters = SplitAtDepthZero(signature[(open + 1)..(close > open ? close : signature.Length)]);
        return $"{text}({string.Join(", ", parameters.Select(ParameterType))})";
    });

    /// <summary>The lookup key of a type name for <see cref="CodeNameHints"/>: the name without its generic arguments.</summary>
    public static string KeyOf(string typeName)
    {
        try
        {
            var name = Parse(typeName);
            var key = new StringBuilder();
            foreach (var part in name.Parts)
            {
                key.Append(part.Separator == '\0' ? "" : part.Separator.ToString()).Append(StripArity(part.Text));
            }

            return key.ToString();
        }
        catch (FormatException)
        {
            return typeName;
        }
    }

    private static string ParameterType(string parameter)
    {
        var text = parameter.Trim();
        var byRef = text.EndsWith(" ByRef", StringComparison.Ordinal) || text.EndsWith('&');
        text = text.EndsWith(" ByRef", StringComparison.Ordinal) ? text[..^" ByRef".Length] : text.TrimEnd('&');
        var rendered = Render(Parse(text), CodeNameHints.None, shortName: true, forceAsync: false).Text;
        return byRef ? "ref " + rendered : rendered;
    }

    private static string MethodText(Rendered type, string method)
    {
        if (type.StateMachine)
        {
            // MoveNext (or any other member) of a state machine is the method it runs.
            return type.Text;
        }

        if (method == ".ctor" || method == ".cctor")
        {
            return $"{type.Text} {(method == ".cctor" ? "static constructor" : "constructor")}";
        }

        return MethodWords(StripArity(method), method.StartsWith('<') ? type.Owner : type.Text);
    }

    /// <summary>A method's name in its owner: lambdas and local functions are named after the method that contains them.</summary>
    private static string MethodWords(string method, string owner)
    {
        if (!method.StartsWith('<'))
        {
            return $"{Dotted(owner)}{method}";
        }

        var (inner, tail) = Token(method);
        if (tail.StartsWith("b__", StringComparison.Ordinal))
        {
            return $"lambda in {Dotted(owner)}{PlainMethod(inner)}";
        }

        if (tail.StartsWith("g__", StringComparison.Ordinal))
        {
            var local = tail[3..];
            var bar = local.IndexOf('|');
            return $"local function {(bar < 0 ? local : local[..bar])} in {Dotted(owner)}{PlainMethod(inner)}";
        }

        return $"{Dotted(owner)}{PlainMethod(inner.Length > 0 ? inner : method)}";
    }

    // A signature's parameter names a nested state machine without its owner ("<Run>d__3 ByRef"): no leading dot then.
    private static string Dotted(string owner) => owner.Length == 0 ? "" : owner + ".";

    /// <summary>The name a person wrote for a method the compiler renamed: <c>&lt;Main&gt;$</c> (top-level statements) is Main.</summary>
    private static string PlainMethod(string method)
    {
        if (!method.StartsWith('<'))
        {
            return method;
        }

        var (inner, tail) = Token(method);
        if (tail.StartsWith("g__", StringComparison.Ordinal))
        {
            var local = tail[3..];
            return local.Contains('|') ? local[..local.IndexOf('|')] : local;
        }

        return inner.Length > 0 ? PlainMethod(inner) : "(compiler-generated)";
    }

    private static string FieldName(string field)
    {
        if (field.StartsWith("CS$<>8__locals", StringComparison.Ordinal))
        {
            return "closure";
        }

        if (!field.StartsWith('<'))
        {
            return field;
        }

        var (inner, tail) = Token(field);
        return tail switch
        {
            "k__BackingField" => inner,
            _ when inner.Length > 0 => inner,
            "4__this" => "this",
            "1__state" => "state",
            "t__builder" => "builder",
            "2__current" => "current",
            "9" => "instance",
            _ when tail.StartsWith("9__", StringComparison.Ordinal) => "cached lambda",
            _ when tail.StartsWith("8__", StringComparison.Ordinal) => "closure",
            _ when tail.StartsWith("u__", StringComparison.Ordinal) => "awaiter",
            _ when tail.StartsWith("3__", StringComparison.Ordinal) => tail[3..],
            _ => "hidden field",
        };
    }

    /// <summary>What a field of a state machine or closure is to the method: a local, a parameter, the awaiter...</summary>
    private static string FieldRole(string field)
    {
        if (field.StartsWith('<') && Token(field) is { Inner.Length: > 0 } token && token.Tail.StartsWith("5__", StringComparison.Ordinal))
        {
            return "local " + token.Inner;
        }

        return FieldName(field);
    }

    /// <summary>A rendered type: its text, the plain type that owns what the compiler generated, and whether it was generated.</summary>
    private sealed record Rendered(string Text, string Owner, bool Generated, bool StateMachine);

    private static Rendered Render(Name name, CodeNameHints hints, bool shortName, bool forceAsync)
    {
        if (name.Parts.Count > 0 && name.Parts[^1] is { Text: "AsyncStateMachineBox`1" or "AsyncStateMachineBox" or "StateMachineBox`1" or "StateMachineBox", Arguments.Count: > 0 } box
            && Render(box.Arguments[^1], hints, shortName, forceAsync: true) is { StateMachine: true } boxed)
        {
            // The runtime's box (a Task) around an async method's state machine is that running method. The machine is the
            // box's last generic argument: the runtime's own spelling lists the builder's result type first.
            return boxed with { Text = boxed.Text + name.Suffix };
        }

        var text = "";
        var owner = "";
        var key = new StringBuilder();
        bool generated = false, stateMachine = false, nested = false;
        foreach (var part in name.Parts)
        {
            key.Append(part.Separator == '\0' ? "" : part.Separator.ToString()).Append(StripArity(part.Text));
            nested |= part.Separator == '+';
            if (!part.Text.StartsWith('<'))
            {
                var plain = StripArity(part.Text) + Arguments(part.Arguments, hints);
                text = text.Length == 0 || (shortName && !nested) ? plain : $"{text}.{plain}";
                owner = text;
                generated = stateMachine = false;
                continue;
            }

            var (inner, tail) = Token(StripArity(part.Text));
            generated = true;
            stateMachine = IsStateMachineTail(tail);
            if (stateMachine)
            {
                var kind = forceAsync ? StateMachineKind.Async : hints.KindOf(key.ToString());
                var method = MethodWords(inner, owner);
                text = kind switch
                {
                    StateMachineKind.Async => "async " + method,
                    StateMachineKind.Iterator => "iterator " + method,
                    StateMachineKind.AsyncIterator => "async iterator " + method,
                    _ => $"{method} (async method or iterator)",
                };
            }
            else if (tail.StartsWith("c__DisplayClass", StringComparison.Ordinal))
            {
                text = hints.ClosureMethodOf(key.ToString()) is { } lambda && lambda.StartsWith('<')
                    ? $"closure in {owner}.{PlainMethod(Token(lambda).Inner)}"
                    : $"closure in {owner}";
            }
            else if (tail == "c")
            {
                text = $"lambdas in {owner}";
            }
            else if (tail.StartsWith("f__AnonymousType", StringComparison.Ordinal))
            {
                text = "anonymous type";
            }
            else
            {
                var plain = inner.Length > 0 ? PlainMethod(inner) : "(compiler-generated)";
                text = owner.Length == 0 ? plain : $"{owner}.{plain}";
            }
        }

        if (!generated && name.Parts.TrueForAll(p => p.Arguments.Count == 0))
        {
            // Built-in types read as their C# keywords: System.String is string; bare names too in signatures ("Int32").
            var bare = text.StartsWith("System.", StringComparison.Ordinal) && text.IndexOf('.', 7) < 0 ? text[7..] : shortName ? text : null;
            if (bare is not null && Keywords.TryGetValue(bare, out var keyword))
            {
                text = keyword;
            }
        }

        return new Rendered(text + name.Suffix, owner, generated, stateMachine);
    }

    private static bool IsStateMachineTail(string tail) => tail == "d" || tail.StartsWith("d__", StringComparison.Ordinal);

    private static string Arguments(List<Name> arguments, CodeNameHints hints) =>
        arguments.Count == 0 ? "" : $"<{string.Join(", ", arguments.Select(a => Render(a, hints, shortName: true, forceAsync: false).Text))}>";
}
