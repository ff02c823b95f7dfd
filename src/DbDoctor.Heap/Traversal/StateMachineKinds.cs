using DbDoctor.Model;
using Microsoft.Diagnostics.Runtime;

namespace DbDoctor.Heap.Traversal;

/// <summary>
/// Learns from a compiler-generated type what its name does not say (<see cref="CodeNameHints"/>): a state machine's fields
/// tell an async method (a builder) from an iterator (a current value) and an async iterator (both); a closure's methods
/// (its lambdas, <c>&lt;Main&gt;b__0</c>) name the method it belongs to.
/// </summary>
internal static class StateMachineKinds
{
    public static void Learn(CodeNameHints hints, ClrType type)
    {
        if (type.Name is not { } name || !name.Contains('<') || type.IsArray)
        {
            return;
        }

        if (name.Contains("c__DisplayClass", StringComparison.Ordinal))
        {
            if (type.Methods.FirstOrDefault(m => m.Name is { } method && method.StartsWith('<')) is { Name: { } lambda })
            {
                hints.AddClosureMethod(name, lambda);
            }

            return;
        }

        var builder = type.GetFieldByName("<>t__builder") is not null;
        var current = type.GetFieldByName("<>2__current") is not null;
        hints.AddStateMachine(name, (builder, current) switch
        {
            (true, true) => StateMachineKind.AsyncIterator,
            (true, false) => StateMachineKind.Async,
            (false, true) => StateMachineKind.Iterator,
            _ => StateMachineKind.Unknown,
        });
    }
}
