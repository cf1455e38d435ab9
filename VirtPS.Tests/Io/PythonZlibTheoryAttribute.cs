using Xunit;

namespace VirtPS.Tests.Io;

/// <summary>A theory whose oracle is Python's zlib.crc32 (python3 on the PATH); reported as skipped, with the reason,
/// where python3 cannot compute it.</summary>
public sealed class PythonZlibTheoryAttribute : TheoryAttribute
{
    public PythonZlibTheoryAttribute() { Skip = DiskWorkloadTests.PythonMissing.Value; }
}
