namespace DbDoctor.Heap.Isolation;

/// <summary>
/// Marks dbdoctor's own readers of raw dump bytes (the fast paths that bypass ClrMD). Together with ClrMD they form the
/// dump-reading layer: an exception whose innermost dbdoctor-or-ClrMD frame is in this layer came from the dump's bytes
/// (bad input, exit 2); one raised anywhere else in dbdoctor is a bug (exit 4). See <see cref="DumpReadFailure"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
internal sealed class DumpReadingLayerAttribute : Attribute;
