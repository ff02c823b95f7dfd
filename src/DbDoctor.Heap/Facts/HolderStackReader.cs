using DbDoctor.Heap.Traversal;
using DbDoctor.Model;
using Microsoft.Diagnostics.Runtime;

namespace DbDoctor.Heap.Facts;

/// <summary>
/// What the holder of a held connection is doing now, read from the snapshot alone: for an async method, its await chain
/// (the method, then each caller awaiting it, like dotnet-dump's dumpasync); for a thread's stack frame, that thread's
/// managed stack. Both innermost first.
/// </summary>
internal sealed class HolderStackReader(ClrRuntime runtime, TypeRoleCache roles)
{
    private const int MaxFrames = 24;

    // A continuation is stored under a few wrappers (a delegate, a TaskContinuation, a list of them): a handful of hops.
    private const int MaxUnwrapDepth = 6;

    public IReadOnlyList<string> Read(InterestRecord record)
    {
        var heap = runtime.Heap;
        var path = record.Path ?? [record.Address];
        var machines = new List<(ClrObject Box, string Method)>();
        foreach (var address in path)
        {
            var obj = heap.GetObject(address);
            if (obj.Type is { } type && roles.Get(type).Async is { } shape)
            {
                machines.Add((BoxOf(obj, shape), shape.MethodName));
            }
        }

        if (machines.Count == 0)
        {
            return record.Root is { Source: RootSource.ApplicationStack, Thread: { } thread } ? ThreadStack(thread) : [];
        }

        // The state machine nearest the connection is the method whose locals hold it. When the path reached it through
        // what it awaits (a timer's task, an inner async method), the chain starts there: that is what it waits for now.
        // Only the machines just before it on the path that await it count: the path may have come through another async
        // method first (one sharing the holder's cancellation token, say), whose own chain leads elsewhere.
        var holder = machines[^1];
        var chain = AwaitChain(holder.Box, holder.Method);
        for (var i = machines.Count - 2; i >= 0; i--)
        {
            var fromAwaited = AwaitChain(machines[i].Box, machines[i].Method);
            if (holder.Box.Address == 0 || !fromAwaited.Any(f => f.Address == holder.Box.Address))
            {
                break;
            }

            chain = fromAwaited;
        }

        return chain.Select(f => f.Label).ToList();
    }

    private List<string> ThreadStack(uint osThreadId)
    {
        var thread = runtime.Threads.FirstOrDefault(t => t.OSThreadId == osThreadId);
        if (thread is null)
        {
            return [];
        }

        var frames = new List<string>();
        foreach (var frame in thread.EnumerateStackTrace())
        {
            if (frame.Method is { } method)
            {
                if (method.Type is { } type)
                {
                    roles.Get(type);
                }

                frames.Add(method.Signature is { } signature
                    ? CodeNames.Signature(signature, roles.Names)
                    : CodeNames.Method(method.Type?.Name, method.Name, roles.Names));
                if (frames.Count == MaxFrames)
                {
                    break;
                }
            }
        }

        return frames;
    }

    /// <summary>The runtime's box (a Task) for an async method: the object itself, or a debug build's class state machine's builder task.</summary>
    private static ClrObject BoxOf(ClrObject stateMachine, AsyncShape shape)
    {
        if (shape.IsBox)
        {
            return stateMachine;
        }

        try
        {
            var builder = stateMachine.ReadValueTypeField("<>t__builder");

            // AsyncTaskMethodBuilder wraps AsyncTaskMethodBuilder<VoidTaskResult> in m_builder; the generic one has m_task.
            var inner = builder.Type?.GetFieldByName("m_builder") is not null ? builder.ReadValueTypeField("m_builder") : builder;
            return inner.ReadObjectField("m_task");
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            return default;
        }
    }

    private List<(ulong Address, string Label)> AwaitChain(ClrObject box, string method)
    {
        var frames = new List<(ulong, string)> { (box.Address, "async " + method) };
        var seen = new HashSet<ulong>();
        var current = box;
        while (!current.IsNull && frames.Count < MaxFrames && seen.Add(current.Address))
        {
            var next = Unwrap(ReadField(current, "m_continuationObject"), 0);
            if (next.IsNull || next.Type is not { } type)
            {
                break;
            }

            frames.Add((next.Address, roles.Get(type).Async is { IsBox: true } shape ? "async " + shape.MethodName : TaskLabel(type.Name)));
            current = next;
        }

        return frames;
    }

    /// <summary>The task a continuation object resumes: through delegates, TaskContinuation wrappers and continuation lists.</summary>
    private static ClrObject Unwrap(ClrObject obj, int depth)
    {
        if (obj.IsNull || obj.Type is not { } type || depth > MaxUnwrapDepth)
        {
            return default;
        }

        if (type.GetFieldByName("m_stateFlags") is not null)
        {
            return obj;
        }

        var name = type.Name ?? "";
        if (type.GetFieldByName("_target") is not null && type.GetFieldByName("_methodPtr") is not null)
        {
            // A delegate: an awaiting state machine's MoveNext action targets its box.
            return Unwrap(ReadField(obj, "_target"), depth + 1);
        }

        if (name.StartsWith("System.Threading.Tasks.ContinueWithTaskContinuation", StringComparison.Ordinal))
        {
            return Unwrap(ReadField(obj, "m_task"), depth + 1);
        }

        if (type.GetFieldByName("m_action") is not null)
        {
            // AwaitTaskContinuation and its synchronization-context and scheduler variants.
            return Unwrap(ReadField(obj, "m_action"), depth + 1);
        }

        if (name.StartsWith("System.Collections.Generic.List<", StringComparison.Ordinal) && type.GetFieldByName("_items") is not null)
        {
            // Several continuations: the first awaiter is followed (dumpasync lists them all; one chain reads better here).
            var items = ReadField(obj, "_items");
            if (!items.IsNull && items.IsArray && items.AsArray().Length > 0)
            {
                return Unwrap(items.AsArray().GetObjectValue(0), depth + 1);
            }
        }

        return default;
    }

    private static ClrObject ReadField(ClrObject obj, string field)
    {
        try
        {
            return obj.Type?.GetFieldByName(field) is { IsObjectReference: true } ? obj.ReadObjectField(field) : default;
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            return default;
        }
    }

    /// <summary>A task that is not an async method's box: what kind of combinator or wrapper it is.</summary>
    private string TaskLabel(string? typeName) => typeName switch
    {
        null => "a task",
        _ when typeName.Contains("WhenAllPromise", StringComparison.Ordinal) => "Task.WhenAll",
        _ when typeName.Contains("WhenAnyPromise", StringComparison.Ordinal) => "Task.WhenAny",
        _ when typeName.Contains("UnwrapPromise", StringComparison.Ordinal) => "Task.Run (async lambda)",
        _ when typeName.Contains("ContinuationTaskFromTask", StringComparison.Ordinal) => "Task.ContinueWith",
        _ => "task " + CodeNames.Type(typeName, roles.Names),
    };
}
