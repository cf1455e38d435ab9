namespace VirtPS.Engine.Jvm;

/// <summary>One entry of the BootstrapMethods attribute (JVM spec 4.7.23): a method-handle pool index and its static arguments.</summary>
public sealed record BootstrapMethod(int MethodHandle, IReadOnlyList<int> Arguments);
