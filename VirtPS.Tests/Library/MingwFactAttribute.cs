using Xunit;

namespace VirtPS.Tests.Library;

/// <summary>A fact that runs only where mingw-w64's gcc is on PATH, and says why it skipped otherwise.</summary>
public sealed class MingwFactAttribute : FactAttribute
{
    public MingwFactAttribute()
    {
        if (Mingw.GccPath is null) Skip = Mingw.SkipReason;
    }
}
