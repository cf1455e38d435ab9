using Xunit;

namespace VirtPS.Tests.Jvm;

/// <summary>A fact that runs only where javac and java are on PATH, and says why it skipped otherwise.</summary>
public sealed class JavaFactAttribute : FactAttribute
{
    public JavaFactAttribute()
    {
        if (!JavaToolchain.Available) Skip = JavaToolchain.SkipReason;
    }
}
