extern alias HeapEngine;

using System.Buffers.Binary;
using HeapEngine::DbDoctor.Heap.Traversal;
using Xunit;

namespace DbDoctor.Tests.Traversal;

/// <summary>
/// The walk reads a huge array's references a chunk at a time: over consecutive chunks it must find exactly the references
/// the whole object holds, in the same order, for both kinds of pointer map (series, and arrays of structs).
/// </summary>
public sealed class GcDescWalkTests
{
    private const int PointerSize = 8;

    [Theory]
    [InlineData(8)]
    [InlineData(16)]
    [InlineData(24)]
    [InlineData(64)]
    [InlineData(4096)]
    public void Chunks_of_an_array_of_references_give_the_whole_array_s_references(int chunk)
    {
        // object[] of 1000: method table, length, then the elements from offset 16; size counts the next header's 8 bytes.
        const int elements = 1000;
        var size = 24L + (elements * PointerSize);
        var bytes = RandomObject(size, seed: 1);
        long[] series = [16, -24];

        var whole = Whole(series, 0, [], bytes);
        Assert.Equal(elements, whole.Count);
        Assert.Equal(whole, Chunked(series, 0, [], bytes, chunk));
    }

    [Theory]
    [InlineData(8)]
    [InlineData(24)]
    [InlineData(40)]
    [InlineData(4096)]
    public void Chunks_of_an_array_of_structs_give_the_whole_array_s_references(int chunk)
    {
        // Dictionary<string, object>.Entry[]: 24-byte elements (hash and next, then key and value), pointers at +8 and +16
        // of each element; the first element starts at 16, so the first pointer at 24; pattern: 2 pointers, then skip 8.
        const int elements = 777;
        var size = 24L + (elements * 24L);
        var bytes = RandomObject(size, seed: 2);

        var whole = Whole([], 24, [2, 8], bytes);
        Assert.Equal(2 * elements, whole.Count);
        Assert.Equal(whole, Chunked([], 24, [2, 8], bytes, chunk));
    }

    [Fact]
    public void Null_references_are_left_out_and_a_dump_that_ends_early_ends_the_object()
    {
        var size = 24L + (10 * PointerSize);
        var bytes = RandomObject(size, seed: 3);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(16 + (3 * PointerSize)), 0);
        long[] series = [16, -24];

        Assert.Equal(9, Whole(series, 0, [], bytes).Count);

        // Only the first 40 bytes were readable: the references wholly inside them (elements 0..2) are all there is.
        var children = new ReferenceBuffer();
        GcDescWalk.AddReferences(series, 0, [], size, bytes.AsSpan(0, 40), 0, size, children);
        Assert.Equal(3, children.Count);
    }

    private static byte[] RandomObject(long size, int seed)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static List<ulong> Whole(long[] series, long start, int[] pattern, byte[] bytes)
    {
        var children = new ReferenceBuffer();
        GcDescWalk.AddReferences(series, start, pattern, bytes.Length, bytes, 0, bytes.Length, children);
        return Items(children);
    }

    /// <summary>As ObjectScanner.ReadChunk does: each window holds its chunk and one pointer more, where the object has it.</summary>
    private static List<ulong> Chunked(long[] series, long start, int[] pattern, byte[] bytes, int chunk)
    {
        var children = new ReferenceBuffer();
        for (long offset = 0; offset < bytes.Length; offset += chunk)
        {
            var ownedEnd = Math.Min(bytes.Length, offset + chunk);
            var windowEnd = Math.Min(bytes.Length, ownedEnd + PointerSize);
            GcDescWalk.AddReferences(series, start, pattern, bytes.Length, bytes.AsSpan((int)offset, (int)(windowEnd - offset)), offset, ownedEnd, children);
        }

        return Items(children);
    }

    private static List<ulong> Items(ReferenceBuffer buffer) => [.. Enumerable.Range(0, buffer.Count).Select(i => buffer[i])];
}
