namespace VirtPS.Engine.Jvm;

/// <summary>Where a method's invocations run: the guest interpreter, or the x86-64 the baseline compiler made of it.</summary>
public enum JavaMethodState
{
    Interpreted,
    Compiled,
    /// <summary>Abstract: a vtable slot with no code of its own.</summary>
    Abstract,
}
