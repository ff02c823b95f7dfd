using DbDoctor.Model;
using Microsoft.Diagnostics.Runtime;

namespace DbDoctor.Heap.Traversal;

/// <summary>
/// How an async method's state shows in the heap: either its compiler-generated state machine class (debug builds), or the
/// runtime's box around it (a Task subclass with a <c>StateMachine</c> field: struct state machines of release builds,
/// and the box that awaits a class state machine).
/// </summary>
internal sealed class AsyncShape(bool isBox, string methodName, int skipFrom, int skipTo)
{
    /// <summary>A runtime state machine box (also a Task: its result stays a real reference when it completed).</summary>
    public bool IsBox { get; } = isBox;

    /// <summary>The async method, e.g. "MyApp.Orders.SaveAsync".</summary>
    public string MethodName { get; } = methodName;

    /// <summary>Byte offsets (from the object's start) of a box's <c>StateMachine</c> field: its hoisted locals.</summary>
    public int SkipFrom { get; } = skipFrom;
    public int SkipTo { get; } = skipTo;
}

/// <summary>
/// A finished async method holds nothing: its state is -2 (or its task completed, faulted or was canceled), so no code will
/// ever read its hoisted locals again. Yet its frame can stay on a thread's stack (its completion ran the caller's
/// continuation inline and the caller then blocked), and its state machine lingers until that stack unwinds. What only such
/// leftovers reach is as unreachable for the application as garbage; it is walked with the driver's roots instead.
/// </summary>
internal static class FinishedAsync
{
    private const int FinishedState = -2;
    private const int PointerSize = 8;

    // System.Threading.Tasks.TaskStateFlags: RanToCompletion | Faulted | Canceled.
    private const int TaskCompleted = 0x1000000 | 0x200000 | 0x400000;

    /// <summary>
    /// The async method a compiler-generated state machine type belongs to, as people read it ("Shop.Jobs.RunAsync",
    /// "lambda in Program.Main" for <c>&lt;&lt;Main&gt;b__1&gt;d</c>), or null for any other type.
    /// </summary>
    public static string? MethodOf(string? stateMachineTypeName) => CodeNames.AsyncMethodOf(stateMachineTypeName);

    /// <summary>How a root or leftover of a finished async method is named: "finished async method Shop.Jobs.RunAsync".</summary>
    public static string Finished(string? method) =>
        method is not null && (method.StartsWith("lambda ", StringComparison.Ordinal) || method.StartsWith("local function ", StringComparison.Ordinal))
            ? "finished async " + method
            : "finished async method " + (method ?? "(unnamed)");

    public static AsyncShape? ShapeOf(ClrType type)
    {
        if (type.IsArray || type.IsValueType)
        {
            return null;
        }

        // An async state machine has a builder; an iterator (whose state -2 means "not started yet") has none.
        if (type.GetFieldByName("<>1__state") is not null && type.GetFieldByName("<>t__builder") is not null && MethodOf(type.Name) is { } method)
        {
            return new AsyncShape(isBox: false, method, 0, 0);
        }

        if (type.GetFieldByName("StateMachine") is { } stateMachine && type.GetFieldByName("m_stateFlags") is not null
            && (type.Name ?? "").StartsWith("System.Runtime.CompilerServices.", StringComparison.Ordinal))
        {
            var from = stateMachine.Offset + PointerSize;
            var next = type.Fields.Where(f => f.Offset > stateMachine.Offset).Select(f => f.Offset + PointerSize).DefaultIfEmpty((int)type.StaticSize).Min();
            return new AsyncShape(isBox: true, MethodOf(stateMachine.Type?.Name) ?? "an async method", from, next);
        }

        return null;
    }

    /// <summary>True when the async method behind <paramref name="obj"/> has run to its end (or faulted, or was canceled).</summary>
    public static bool IsFinished(ClrObject obj, AsyncShape shape)
    {
        try
        {
            return shape.IsBox
                ? (obj.ReadField<int>("m_stateFlags") & TaskCompleted) != 0
                : obj.ReadField<int>("<>1__state") == FinishedState;
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            // Unreadable: not proven finished, so it keeps counting as a holder.
            return false;
        }
    }

    /// <summary>
    /// Whether a MoveNext frame belongs to a finished async method: one of the frame's own roots is its state machine (or
    /// the box around it), and that says it is done. A frame whose state machine is not among its roots is not judged.
    /// </summary>
    public static bool IsFinishedFrame(string? stateMachineType, IEnumerable<ClrObject> frameObjects, TypeRoleCache roles)
    {
        if (MethodOf(stateMachineType) is null)
        {
            return false;
        }

        foreach (var obj in frameObjects)
        {
            if (obj.Type is not { } type || roles.Get(type).Async is not { } shape)
            {
                continue;
            }

            var isOwn = shape.IsBox
                ? BoxedTypeName(obj) == stateMachineType
                : type.Name == stateMachineType;
            if (isOwn)
            {
                return IsFinished(obj, shape);
            }
        }

        return false;
    }

    private static readonly string[] MachineryPrefixes =
    [
        "System.Runtime.CompilerServices.Async", "System.Runtime.CompilerServices.PoolingAsync", "System.Threading.Tasks.Task",
        "System.Threading.Tasks.AwaitTaskContinuation", "System.Threading.ExecutionContext",
    ];

    /// <summary>
    /// A slot of the runtime's own async machinery (a box's ExecutionContextCallback, Task.RunContinuations...) that points
    /// at a task that has completed: the frame is only finishing that task's bookkeeping, so it holds nothing, not even the
    /// task's result (which only code holding the task could read).
    /// </summary>
    public static bool IsCompletedTaskInMachinery(ClrMethod? method, ClrObject obj)
    {
        var typeName = method?.Type?.Name;
        if (typeName is null || !MachineryPrefixes.Any(p => typeName.StartsWith(p, StringComparison.Ordinal))
            || obj.Type?.GetFieldByName("m_stateFlags") is null)
        {
            return false;
        }

        try
        {
            return (obj.ReadField<int>("m_stateFlags") & TaskCompleted) != 0;
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            return false;
        }
    }

    /// <summary>The state machine type a box carries: the object's type for a class, the field's type for a struct.</summary>
    private static string? BoxedTypeName(ClrObject box)
    {
        var field = box.Type?.GetFieldByName("StateMachine");
        if (field is null)
        {
            return null;
        }

        if (field.IsObjectReference)
        {
            var inner = field.ReadObject(box.Address, interior: false);
            return inner.IsNull ? null : inner.Type?.Name;
        }

        return field.Type?.Name;
    }
}
