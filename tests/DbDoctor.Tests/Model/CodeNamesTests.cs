using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using DbDoctor.Model;

namespace DbDoctor.Tests.Model;

public partial class CodeNamesTests
{
    /// <summary>What must never reach a report: the compiler's and runtime's own spellings.</summary>
    [GeneratedRegex(@"<>|>[a-z]__|__DisplayClass|k__BackingField|`\d|>d\b|\bMoveNext\b|\|\d+_\d+")]
    private static partial Regex Generated();

    private const string Here = "DbDoctor.Tests.Model.CodeNamesTests";

    [Theory]
    [InlineData("Shop.Program", "Shop.Program")]
    [InlineData("Shop.Program+Inner", "Shop.Program.Inner")]
    [InlineData("System.Collections.Generic.List`1", "System.Collections.Generic.List")]
    [InlineData("System.Collections.Generic.List<Shop.Order>", "System.Collections.Generic.List<Order>")]
    [InlineData("System.Collections.Generic.Dictionary<System.String, System.Collections.Generic.List<Shop.Order>>",
        "System.Collections.Generic.Dictionary<string, List<Order>>")]
    [InlineData("System.Collections.Generic.Dictionary<System.Int32, Shop.Order>+Entry<System.Int32, Shop.Order>[]",
        "System.Collections.Generic.Dictionary<int, Order>.Entry<int, Order>[]")]
    [InlineData("System.Object[]", "object[]")]
    [InlineData("System.String", "string")]
    [InlineData("System.Threading.TimerQueue[]", "System.Threading.TimerQueue[]")]
    [InlineData("Shop.Program+<Main>d__0", "async Shop.Program.Main")]
    [InlineData("Shop.Program+<>c__DisplayClass1_0+<<Main>b__1>d", "async lambda in Shop.Program.Main")]
    [InlineData("Shop.Program+<>c+<<Main>b__0_0>d", "async lambda in Shop.Program.Main")]
    [InlineData("Shop.Program+<>c__DisplayClass0_0+<<<Main>$>b__0>d", "async lambda in Shop.Program.Main")]
    [InlineData("Shop.Program+<<Main>g__LoadAsync|0_1>d", "async local function LoadAsync in Shop.Program.Main")]
    [InlineData("Shop.Program+<Fetch>d__3<System.Int32>", "async Shop.Program.Fetch")]
    [InlineData("System.Runtime.CompilerServices.AsyncTaskMethodBuilder<System.Threading.Tasks.VoidTaskResult>+AsyncStateMachineBox<Shop.Jobs+<RunAsync>d__2>",
        "async Shop.Jobs.RunAsync")]
    [InlineData("System.Runtime.CompilerServices.AsyncTaskMethodBuilder`1+AsyncStateMachineBox`1<System.Threading.Tasks.VoidTaskResult, Shop.Program+<>c__DisplayClass1_0+<<Main>b__1>d>",
        "async lambda in Shop.Program.Main")]
    [InlineData("System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<System.Int32>+StateMachineBox<Shop.Jobs+<CountAsync>d__4>",
        "async Shop.Jobs.CountAsync")]
    [InlineData("Shop.Program+<>c__DisplayClass1_0", "closure in Shop.Program")]
    [InlineData("Shop.Program+<>c", "lambdas in Shop.Program")]
    [InlineData("<>f__AnonymousType0`2<System.Int32, System.String>", "anonymous type")]
    public void Types_read_as_csharp(string clrName, string expected)
    {
        var hints = new CodeNameHints();
        hints.AddStateMachine("Shop.Program+<Main>d__0", StateMachineKind.Async);
        hints.AddStateMachine("Shop.Program+<>c__DisplayClass1_0+<<Main>b__1>d", StateMachineKind.Async);
        hints.AddStateMachine("Shop.Program+<>c+<<Main>b__0_0>d", StateMachineKind.Async);
        hints.AddStateMachine("Shop.Program+<>c__DisplayClass0_0+<<<Main>$>b__0>d", StateMachineKind.Async);
        hints.AddStateMachine("Shop.Program+<<Main>g__LoadAsync|0_1>d", StateMachineKind.Async);
        hints.AddStateMachine("Shop.Program+<Fetch>d__3<System.Int32>", StateMachineKind.Async);

        Assert.Equal(expected, CodeNames.Type(clrName, hints));
    }

    [Fact]
    public void An_iterator_and_an_async_iterator_are_told_apart_by_the_hints_and_an_unknown_one_says_it_may_be_either()
    {
        var hints = new CodeNameHints();
        hints.AddStateMachine("Shop.Program+<Orders>d__3", StateMachineKind.Iterator);
        hints.AddStateMachine("Shop.Program+<StreamAsync>d__4", StateMachineKind.AsyncIterator);

        Assert.Equal("iterator Shop.Program.Orders", CodeNames.Type("Shop.Program+<Orders>d__3", hints));
        Assert.Equal("async iterator Shop.Program.StreamAsync", CodeNames.Type("Shop.Program+<StreamAsync>d__4", hints));
        Assert.Equal("Shop.Program.Other (async method or iterator)", CodeNames.Type("Shop.Program+<Other>d__5", hints));
    }

    [Theory]
    [InlineData("Shop.Program+<Main>d__0", "MoveNext", "async Shop.Program.Main")]
    [InlineData("Shop.Program+<>c__DisplayClass1_0", "<Main>b__0", "lambda in Shop.Program.Main")]
    [InlineData("Shop.Program+<>c", "<Main>b__1_0", "lambda in Shop.Program.Main")]
    [InlineData("Shop.Program", "<Main>g__Helper|1_0", "local function Helper in Shop.Program.Main")]
    [InlineData("Shop.Program", "<<Main>$>g__Helper|0_0", "local function Helper in Shop.Program.Main")]
    [InlineData("Shop.Program", "<Main>$", "Shop.Program.Main")]
    [InlineData("Shop.Program", ".ctor", "Shop.Program constructor")]
    [InlineData("Shop.Db", "Open", "Shop.Db.Open")]
    public void Methods_read_as_csharp(string type, string method, string expected)
    {
        var hints = new CodeNameHints();
        hints.AddStateMachine("Shop.Program+<Main>d__0", StateMachineKind.Async);
        Assert.Equal(expected, CodeNames.Method(type, method, hints));
    }

    [Theory]
    [InlineData("System.Threading.TimerQueue", "<Instances>k__BackingField", "System.Threading.TimerQueue.Instances")]
    [InlineData("Shop.Db", "_pool", "Shop.Db._pool")]
    [InlineData("Shop.Program+<RunAsync>d__2", "<connection>5__2", "async Shop.Program.RunAsync (local connection)")]
    [InlineData("Shop.Program+<RunAsync>d__2", "<>4__this", "async Shop.Program.RunAsync (this)")]
    [InlineData("Shop.Program+<RunAsync>d__2", "<>u__1", "async Shop.Program.RunAsync (awaiter)")]
    [InlineData("Shop.Program+<RunAsync>d__2", "connectionString", "async Shop.Program.RunAsync (connectionString)")]
    [InlineData("Shop.Program+<>c__DisplayClass1_0", "connection", "closure in Shop.Program (connection)")]
    [InlineData("Shop.Program+<>c__DisplayClass1_0", "CS$<>8__locals1", "closure in Shop.Program (closure)")]
    [InlineData("Shop.Program+<>c", "<>9", "lambdas in Shop.Program (instance)")]
    [InlineData("Shop.Program+<>c", "<>9__1_0", "lambdas in Shop.Program (cached lambda)")]
    public void Fields_read_as_csharp(string type, string field, string expected)
    {
        var hints = new CodeNameHints();
        hints.AddStateMachine("Shop.Program+<RunAsync>d__2", StateMachineKind.Async);
        Assert.Equal(expected, CodeNames.Field(type, field, hints));
    }

    [Theory]
    [InlineData("System.Threading.WaitHandle.WaitOneNoCheck(Int32, Boolean, System.Object, WaitHandleWaitSourceMap)",
        "System.Threading.WaitHandle.WaitOneNoCheck(int, bool, object, WaitHandleWaitSourceMap)")]
    [InlineData("Shop.Scenarios.HoldOnStack(System.String, System.Threading.Tasks.TaskCompletionSource, System.Threading.CancellationToken)",
        "Shop.Scenarios.HoldOnStack(string, TaskCompletionSource, CancellationToken)")]
    [InlineData("Shop.Scenarios+<>c__DisplayClass0_0.<HeldAsync>b__1()", "lambda in Shop.Scenarios.HeldAsync")]
    [InlineData("Shop.Program+<>c__DisplayClass1_0+<<Main>b__1>d.MoveNext()", "async lambda in Shop.Program.Main")]
    [InlineData("Shop.Program+<Main>d__0.MoveNext()", "async Shop.Program.Main")]
    [InlineData("Shop.Program..ctor(System.String)", "Shop.Program constructor(string)")]
    [InlineData("System.Collections.Generic.List`1[[System.Int32, System.Private.CoreLib]].Add(Int32)",
        "System.Collections.Generic.List<int>.Add(int)")]
    [InlineData("System.Runtime.CompilerServices.AsyncMethodBuilderCore.Start[[Npgsql.NpgsqlCommand+<ExecuteReader>d__122, Npgsql]](<ExecuteReader>d__122 ByRef)",
        "System.Runtime.CompilerServices.AsyncMethodBuilderCore.Start<NpgsqlCommand.ExecuteReader (async method or iterator)>(ref ExecuteReader (async method or iterator))")]
    [InlineData("System.Runtime.CompilerServices.AsyncTaskMethodBuilder`1+AsyncStateMachineBox`1[[System.Threading.Tasks.VoidTaskResult, System.Private.CoreLib],[Shop.Program+<>c__DisplayClass1_0+<<Main>b__1>d, Shop]].MoveNext(System.Threading.Thread)",
        "async lambda in Shop.Program.Main")]
    [InlineData("Shop.Db.Read(Byte[], Int32 ByRef)", "Shop.Db.Read(byte[], ref int)")]
    [InlineData("System.Threading.Thread.StartCallback()", "System.Threading.Thread.StartCallback()")]
    public void Signatures_read_as_csharp(string signature, string expected)
    {
        var hints = new CodeNameHints();
        hints.AddStateMachine("Shop.Program+<>c__DisplayClass1_0+<<Main>b__1>d", StateMachineKind.Async);
        hints.AddStateMachine("Shop.Program+<Main>d__0", StateMachineKind.Async);
        Assert.Equal(expected, CodeNames.Signature(signature, hints));
    }

    [Theory]
    [InlineData("Shop.Program+<Main>d__0", "Shop.Program.Main")]
    [InlineData("Shop.Program+<>c__DisplayClass1_0+<<Main>b__1>d", "lambda in Shop.Program.Main")]
    [InlineData("Shop.Program+<<Main>g__Load|0_0>d", "local function Load in Shop.Program.Main")]
    [InlineData("Shop.Program", null)]
    [InlineData("Shop.Program+<>c__DisplayClass1_0", null)]
    [InlineData("System.Collections.Generic.List<Shop.Program+<Main>d__0>", null)]
    [InlineData(null, null)]
    public void The_async_method_of_a_state_machine_type_includes_async_lambdas(string? type, string? expected)
    {
        Assert.Equal(expected, CodeNames.AsyncMethodOf(type));
    }

    [Theory]
    [InlineData("Shop.<Weird")]
    [InlineData("Shop.Program+<Main>d__0>")]
    [InlineData("List`1[[Shop.Order, Shop]")]
    [InlineData("")]
    public void Names_it_cannot_parse_come_back_without_their_arity_and_without_throwing(string name)
    {
        var text = CodeNames.Type(name);
        Assert.DoesNotContain("`1", text, StringComparison.Ordinal);
        Assert.Equal(name.Replace("`1", "", StringComparison.Ordinal), text);
    }

    /// <summary>The names this very assembly's compiler gave its async lambdas, iterators, local functions and closures.</summary>
    [Fact]
    public void Names_the_real_compiler_generated_read_as_csharp_and_keep_nothing_generated()
    {
        var samples = typeof(Samples);
        var nested = samples.GetNestedTypes(BindingFlags.NonPublic | BindingFlags.Public);
        var hints = new CodeNameHints();
        foreach (var type in nested.Concat(nested.SelectMany(t => t.GetNestedTypes(BindingFlags.NonPublic))))
        {
            var fields = type.GetFields(BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public).Select(f => f.Name).ToList();
            hints.AddStateMachine(type.FullName!, fields.Contains("<>t__builder") ? fields.Contains("<>2__current") ? StateMachineKind.AsyncIterator : StateMachineKind.Async
                : fields.Contains("<>2__current") ? StateMachineKind.Iterator : StateMachineKind.Unknown);
            if (type.Name.Contains("DisplayClass", StringComparison.Ordinal))
            {
                hints.AddClosureMethod(type.FullName!, type.GetMethods(BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public | BindingFlags.DeclaredOnly).First(m => m.Name.StartsWith('<')).Name);
            }
        }

        string MachineOf(string method) => (samples.GetMethod(method, BindingFlags.Static | BindingFlags.NonPublic)!.GetCustomAttribute<StateMachineAttribute>()!).StateMachineType.FullName!;
        var asyncLambda = nested.Single(t => t.Name.Contains("DisplayClass", StringComparison.Ordinal)).GetNestedTypes(BindingFlags.NonPublic).Single().FullName!;
        var localFunction = samples.GetMethods(BindingFlags.Static | BindingFlags.NonPublic).Single(m => m.Name.Contains("g__Total", StringComparison.Ordinal)).Name;
        var closure = nested.Single(t => t.Name.Contains("DisplayClass", StringComparison.Ordinal)).FullName!;

        var read = new Dictionary<string, string>
        {
            [CodeNames.Type(MachineOf(nameof(Samples.LoadAsync)), hints)] = $"async {Here}.Samples.LoadAsync",
            [CodeNames.Type(MachineOf(nameof(Samples.Orders)), hints)] = $"iterator {Here}.Samples.Orders",
            [CodeNames.Type(MachineOf(nameof(Samples.StreamAsync)), hints)] = $"async iterator {Here}.Samples.StreamAsync",
            [CodeNames.Type(asyncLambda, hints)] = $"async lambda in {Here}.Samples.Run",
            [CodeNames.Method(samples.FullName, localFunction, hints)] = $"local function Total in {Here}.Samples.Run",
            [CodeNames.Type(closure, hints)] = $"closure in {Here}.Samples.Run",
            [CodeNames.Signature(asyncLambda + ".MoveNext()", hints)] = $"async lambda in {Here}.Samples.Run",
        };

        Assert.All(read, pair => Assert.Equal(pair.Value, pair.Key));
        Assert.All(read.Keys, text => Assert.DoesNotMatch(Generated(), text));
        Assert.Matches(Generated(), asyncLambda);
    }

    private static class Samples
    {
        internal static async Task<int> LoadAsync(int id)
        {
            await Task.Yield();
            return id;
        }

        internal static IEnumerable<int> Orders()
        {
            yield return 1;
        }

        internal static async IAsyncEnumerable<int> StreamAsync()
        {
            await Task.Yield();
            yield return 1;
        }

        internal static Func<Task<int>> Run(int seed)
        {
            return async () =>
            {
                await Task.Yield();
                return Total(seed);
            };

            static int Total(int value) => value + 1;
        }
    }
}
