using System.Diagnostics;
using System.Management.Automation;
using VirtPS.Engine.Guests;
using Xunit;

namespace VirtPS.Tests.Hosting;

/// <summary>Cmdlets run in a runspace hosted in the test process: the same contract a user's session sees.</summary>
public class InProcessCmdletTests
{
    [Fact]
    public void A_workload_runs_to_its_halt_through_the_cmdlets()
    {
        using var shell = new InProcessShell();
        var (output, errors) = shell.Run("New-VGuest -Name c -Workload compute -Iterations 2000 | Invoke-VStep");
        Assert.Empty(errors);
        var result = Assert.IsType<StepResult>(Assert.Single(output).BaseObject);
        Assert.Equal(VirtPS.Engine.StopReason.Halt, result.StopReason);
        // The kernel's own summary line is the independent check that the whole machine ran.
        var console = shell.Run("Receive-VConsole -Guest c -All").Output.Select(o => o.ToString());
        Assert.NotNull(VirtPS.Engine.Guests.Kernel.ParseSummary(string.Join("\n", console)));
    }

    [Fact]
    public void Bad_input_is_an_error_record_with_its_id_and_nothing_is_made()
    {
        using var shell = new InProcessShell();
        var (_, errors) = shell.Run("New-VGuest -Name x -Workload no-such-workload");
        var error = Assert.Single(errors);
        Assert.StartsWith(ErrorIds.UnknownWorkload, error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
        Assert.Empty(shell.Run("Get-VGuest").Output);
    }

    [Fact]
    public void Each_runspace_has_its_own_lab()
    {
        using var a = new InProcessShell();
        using var b = new InProcessShell();
        Assert.Empty(a.Run("New-VGuest -Name only-here -Workload compute").Errors);
        Assert.Single(a.Run("Get-VGuest").Output);
        Assert.Empty(b.Run("Get-VGuest").Output);
    }

    [Fact]
    public void A_stop_request_ends_a_long_run_promptly_and_the_guest_runs_on()
    {
        using var shell = new InProcessShell();
        Assert.Empty(shell.Run("$null = New-VGuest -Name long -Workload compute -Iterations 1000000000").Errors);
        var latencies = new List<double>();
        for (int i = 0; i < 3; i++)
        {
            using var ps = shell.Script("Invoke-VStep -Guest long");
            var pending = ps.BeginInvoke();
            Thread.Sleep(300);                      // well into the run
            Assert.False(pending.IsCompleted);
            var clock = Stopwatch.StartNew();
            ps.Stop();
            latencies.Add(clock.Elapsed.TotalMilliseconds);
            Assert.Equal(PSInvocationState.Stopped, ps.InvocationStateInfo.State);
        }
        // The guest is left consistent: it steps on from where it stopped and retires exactly what it is asked to.
        var step = shell.Run("Invoke-VStep -Guest long -Instructions 1000");
        Assert.Empty(step.Errors);
        Assert.Equal(1000, ((StepResult)step.Output.Single().BaseObject).Instructions);
        latencies.Sort();
        Assert.True(latencies[1] < 100, $"stop took {string.Join(", ", latencies.Select(l => $"{l:F1} ms"))}");
    }
}
