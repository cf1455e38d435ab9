using VirtPS.Engine;
using VirtPS.Engine.Guests;
using Xunit;
using Xunit.Abstractions;

namespace VirtPS.Tests.Containers;

/// <summary>
/// Containers on one shared kernel (issue 14). Every isolation check is observed from guest code: the programs below
/// make the system calls a hostile tenant would and print what the kernel answered on their own consoles.
/// </summary>
public sealed class ContainerTests(ITestOutputHelper output)
{
    /// <summary>Small user-space helpers: puts_z(rsi) writes a NUL-terminated string; putnum(rax) writes a signed decimal and a newline.</summary>
    internal const string Prelude = """
        default rel
        DATA equ 0x40100000
        start:
            jmp main
        puts_z:
            mov rdi, rsi
            xor esi, esi
        .len:
            cmp byte [rdi + rsi], 0
            je .go
            inc rsi
            jmp .len
        .go:
            mov eax, 1
            syscall
            ret
        putnum:
            mov rdi, DATA + 64
            mov byte [rdi], 10
            mov r9, rax
            test rax, rax
            jns .pos
            neg rax
        .pos:
            mov r8, 10
        .d:
            xor edx, edx
            div r8
            add dl, '0'
            dec rdi
            mov [rdi], dl
            test rax, rax
            jnz .d
            test r9, r9
            jns .out
            dec rdi
            mov byte [rdi], '-'
        .out:
            mov rsi, DATA + 65
            sub rsi, rdi
            mov eax, 1
            syscall
            ret

        """;

    internal static byte[] Program(string main) => VirtPS.Engine.Guests.Kernel.AssembleUser(Prelude + main).Bytes;

    internal static Guest Container(Lab lab, string name, string main, string host = "h", double? quota = null, double? limitMB = null, string? hostName = null) =>
        lab.Create(new GuestSpec
        {
            Name = name, Style = VirtualizationStyle.Container, Kind = GuestImageKind.UserProgram, Image = Program(main), Host = host,
            CpuQuota = quota, MemoryLimitMB = limitMB, HostName = hostName,
        });

    static Lab NewLab()
    {
        var lab = new Lab();
        lab.AddHost("h");
        return lab;
    }

    static void RunAll(Lab lab, params Guest[] gs)
    {
        var r = HostScheduler.Run(gs, 50_000_000);
        foreach (var g in gs) Assert.Equal(GuestState.Halted, g.State);
    }

    const string PrintPid = """
        main:
            lea rsi, [s_pid]
            call puts_z
            mov eax, 2
            syscall
            call putnum
            xor eax, eax
            syscall
        s_pid: db "pid ", 0
        """;

    [Fact]
    public void TwoContainersBothSeePid1_TheHostSeesDistinctGlobalPids()
    {
        var lab = NewLab();
        var a = Container(lab, "a", PrintPid);
        var b = Container(lab, "b", PrintPid);
        RunAll(lab, a, b);
        output.WriteLine(a.Console.Output + "|" + b.Console.Output);
        Assert.Equal("pid 1\n", a.Console.Output);
        Assert.Equal("pid 1\n", b.Console.Output);
        var ps = lab.GetHost("h").ContainerKernel!.Processes();
        foreach (var p in ps) output.WriteLine(p.ToString());
        Assert.Equal([1L, 2L], ps.Select(p => p.HostPid));
        Assert.Equal(["a", "b"], ps.Select(p => p.Container));
        Assert.All(ps, p => Assert.Equal(1, p.NamespacePid));
    }
}
