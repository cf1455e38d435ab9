using Xunit;

namespace VirtPS.Tests.Jvm;

/// <summary>A theory that runs only where javac and java are on PATH, and says why it skipped otherwise.</summary>
public sealed class JavaTheoryAttribute : TheoryAttribute
{
    public JavaTheoryAttribute()
    {
        if (!JavaToolchain.Available) Skip = JavaToolchain.SkipReason;
    }
}
