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
        Assert.Equal(gs.Length, r.Count);
        Assert.All(r, x => Assert.Equal(StopReason.Halt, x.StopReason));
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

    /// <summary>The mount namespace: a writes /secret in its root; b's open of the same path (and of a path that tries
    /// to climb out of its root) fails with the kernel's ENOENT, and b's own /secret is a different file.</summary>
    [Fact]
    public void AContainerCannotOpenAnothersFile_ENOENT()
    {
        var lab = NewLab();
        var a = Container(lab, "a", """
            main:
                lea rdi, [path]
                mov esi, 0x40               ; O_CREAT
                mov eax, 22
                syscall
                mov r12, rax
                mov rdi, r12
                lea rsi, [text]
                mov edx, 5
                mov eax, 24                 ; fwrite
                syscall
                mov rdi, r12
                mov eax, 25                 ; close
                syscall
                lea rdi, [path]
                xor esi, esi
                mov eax, 22
                syscall
                mov rdi, rax
                mov rsi, DATA + 128
                mov edx, 64
                mov eax, 23                 ; read
                syscall
                mov byte [DATA + 128 + rax], 0
                lea rsi, [s_read]
                call puts_z
                mov rsi, DATA + 128
                call puts_z
                lea rsi, [nl]
                call puts_z
                xor eax, eax
                syscall
            path: db "/secret", 0
            text: db "alpha"
            s_read: db "a reads /secret: ", 0
            nl: db 10, 0
            """);
        var b = Container(lab, "b", """
            main:
                lea rdi, [path]
                xor esi, esi
                mov eax, 22                 ; open("/secret", 0): a's file?
                syscall
                push rax
                lea rsi, [s_open]
                call puts_z
                pop rax
                call putnum
                lea rdi, [climb]
                xor esi, esi
                mov eax, 22
                syscall
                push rax
                lea rsi, [s_climb]
                call puts_z
                pop rax
                call putnum
                lea rdi, [path]
                mov esi, 0x40
                mov eax, 22
                syscall
                mov rdi, rax
                mov rsi, DATA + 128
                mov edx, 64
                mov eax, 23
                syscall
                lea rsi, [s_len]
                call puts_z
                call putnum
                xor eax, eax
                syscall
            path: db "/secret", 0
            climb: db "/../a/secret", 0
            s_open: db "b open /secret: ", 0
            s_climb: db "b open /../a/secret: ", 0
            s_len: db "b's own /secret holds bytes: ", 0
            """);
        RunAll(lab, a, b);
        output.WriteLine(a.Console.Output + b.Console.Output);
        Assert.Equal("a reads /secret: alpha\n", a.Console.Output);
        Assert.Equal("b open /secret: -2\nb open /../a/secret: -2\nb's own /secret holds bytes: 0\n", b.Console.Output);   // ENOENT = 2
    }

    /// <summary>The pid namespace: b cannot signal or wait for a's child, by its namespace pid (2) or its global pid (3):
    /// ESRCH (3); a's child runs on and is reaped by a. b can signal itself (pid 1, signal 0).</summary>
    [Fact]
    public void AContainerCannotSignalAnothersPid_ESRCH()
    {
        var lab = NewLab();
        var a = Container(lab, "a", """
            main:
                mov eax, 6                  ; spawn
                syscall
                test rax, rax
                jz child
                mov r12, rax
                lea rsi, [s_child]
                call puts_z
                mov rax, r12
                call putnum
                mov rdi, r12
                mov eax, 7                  ; wait
                syscall
                lea rsi, [s_reaped]
                call puts_z
                call putnum
                xor eax, eax
                syscall
            child:
                mov r12d, 50
            .y:
                mov eax, 3                  ; yield: b has its turns meanwhile
                syscall
                dec r12d
                jnz .y
                lea rsi, [s_alive]
                call puts_z
                xor eax, eax
                syscall
            s_child: db "a spawned pid ", 0
            s_reaped: db "a reaped its child: ", 0
            s_alive: db "a's child still alive", 10, 0
            """);
        var b = Container(lab, "b", """
            main:
                mov eax, 3
                syscall
                mov edi, 2
                mov esi, 9
                mov eax, 26                 ; kill(2, SIGKILL)
                syscall
                push rax
                lea rsi, [s_k2]
                call puts_z
                pop rax
                call putnum
                mov edi, 3
                mov esi, 9
                mov eax, 26                 ; kill(3, SIGKILL): a's child's global pid
                syscall
                push rax
                lea rsi, [s_k3]
                call puts_z
                pop rax
                call putnum
                mov edi, 2
                mov eax, 7                  ; wait(2)
                syscall
                push rax
                lea rsi, [s_w2]
                call puts_z
                pop rax
                call putnum
                mov edi, 1
                xor esi, esi
                mov eax, 26                 ; kill(1, 0): itself
                syscall
                push rax
                lea rsi, [s_k1]
                call puts_z
                pop rax
                call putnum
                xor eax, eax
                syscall
            s_k2: db "b kill(2, 9): ", 0
            s_k3: db "b kill(3, 9): ", 0
            s_w2: db "b wait(2): ", 0
            s_k1: db "b kill(1, 0): ", 0
            """);
        // Run in small steps until b has made its attempts: a's child (global pid 3, pid 2 in a) is alive then.
        while (!b.Console.Output.Contains("kill(3") && a.State == GuestState.Ready) a.Step(1000);
        var ps = lab.GetHost("h").ContainerKernel!.Processes();
        foreach (var p in ps) output.WriteLine(p.ToString());
        Assert.Contains(ps, p => p.Container == "a" && p.NamespacePid == 2 && p.HostPid == 3 && p.State == "Runnable");
        RunAll(lab, a, b);
        output.WriteLine(a.Console.Output + b.Console.Output);
        Assert.Equal("b kill(2, 9): -3\nb kill(3, 9): -3\nb wait(2): -3\nb kill(1, 0): 0\n", b.Console.Output);   // ESRCH = 3
        Assert.Equal("a spawned pid 2\na's child still alive\na reaped its child: 0\n", a.Console.Output);
    }

    /// <summary>The uts namespace: each container reads its own host name; one's sethostname changes only its own.</summary>
    [Fact]
    public void EachContainerHasItsOwnHostName()
    {
        const string Uname = """
            main:
                mov rdi, DATA + 128
                mov esi, 64
                mov eax, 20                 ; uname
                syscall
                mov rsi, DATA + 128
                call puts_z
                lea rsi, [nl]
                call puts_z
                lea rdi, [newname]
                mov esi, 7
                mov eax, 21                 ; sethostname
                syscall
                mov eax, 3
                syscall
                mov rdi, DATA + 128
                mov esi, 64
                mov eax, 20
                syscall
                mov rsi, DATA + 128
                call puts_z
                lea rsi, [nl]
                call puts_z
                xor eax, eax
                syscall
            newname: db "renamed"
            nl: db 10, 0
            """;
        var lab = NewLab();
        var a = Container(lab, "a", Uname, hostName: "alpha");
        var b = Container(lab, "b", Uname.Replace("mov esi, 7\n", "mov esi, 3\n"), hostName: "beta");
        RunAll(lab, a, b);
        Assert.Equal("alpha\nrenamed\n", a.Console.Output);
        Assert.Equal("beta\nren\n", b.Console.Output);
    }

    const string Spin = """
        main:
            mov ecx, 10000
        .l:
            dec ecx
            jnz .l
            lea rsi, [dot]
            call puts_z
            jmp main
        dot: db ".", 0
        """;

    /// <summary>The CPU cgroup: quotas 0.25 and 0.75 on two spinning containers split the user instructions 25/75
    /// (within 5 points), counted two ways: by the kernel's PMC0 charges, and by the dots each program printed itself.</summary>
    [Fact]
    public void CpuQuotasSplitUserInstructions25To75()
    {
        var lab = NewLab();
        var a = Container(lab, "a", Spin, quota: 0.25);
        var b = Container(lab, "b", Spin, quota: 0.75);
        a.Step(6_000_000);
        long ua = a.ContainerUserInstructions!.Value, ub = b.ContainerUserInstructions!.Value;
        int da = a.Console.Output.Length, db = b.Console.Output.Length;
        double share = (double)ua / (ua + ub), dotShare = (double)da / (da + db);
        output.WriteLine($"user instructions {ua:N0} / {ub:N0}: {share:P1}; dots {da} / {db}: {dotShare:P1}");
        Assert.InRange(share, 0.20, 0.30);
        Assert.InRange(dotShare, 0.20, 0.30);
        Assert.True(da + db > 100, "too few dots to measure");
    }

    /// <summary>The memory cgroup: a container that touches more than its limit is OOM-killed, with a line on its own
    /// console; its neighbour, touching as much without a limit, runs on to its end.</summary>
    [Fact]
    public void AMemoryLimitKillsOnlyTheContainerThatExceedsIt()
    {
        const string Touch = """
            main:
                mov edi, 0x100000
                mov eax, 4                  ; mmap(1 MiB)
                syscall
                mov rbx, rax
                mov r12d, 256
            .t:
                mov byte [rbx], 1
                add rbx, 4096
                dec r12d
                jnz .t
                lea rsi, [done]
                call puts_z
                xor eax, eax
                syscall
            done: db "touched 256 pages", 10, 0
            """;
        var lab = NewLab();
        var a = Container(lab, "a", Touch, limitMB: 0.25);
        var b = Container(lab, "b", Touch);
        RunAll(lab, a, b);
        output.WriteLine(a.Console.Output + b.Console.Output);
        Assert.Equal("virtps: oom-kill: pid 1 (memory limit 64 pages)\n", a.Console.Output);
        Assert.Equal("touched 256 pages\n", b.Console.Output);
        Assert.Equal(1, lab.GetHost("h").ContainerKernel!.OomKills(a.ContainerId));
        Assert.True(b.ContainerPages > 256);
    }

    public static TheoryData<string, string> BadInputs() => new()
    {
        { "quota0", ErrorIds.InvalidCpuQuota },
        { "quota1.5", ErrorIds.InvalidCpuQuota },
        { "quota-0.25", ErrorIds.InvalidCpuQuota },
        { "namespace", ErrorIds.UnknownNamespace },
        { "limit", ErrorIds.MemoryLimitTooSmall },
        { "limit0", ErrorIds.MemoryLimitTooSmall },
        { "paravirtual", ErrorIds.ContainerKernelMismatch },
        { "hostnameOnVm", ErrorIds.ContainerOptionNeedsContainerStyle },
        { "bare", ErrorIds.ContainerNeedsKernelProgram },
        { "badHostName", ErrorIds.InvalidContainerHostName },
    };

    /// <summary>Bad input: a clear error id and nothing made: no guest in the lab, no shared kernel on the host.</summary>
    [Theory]
    [MemberData(nameof(BadInputs))]
    public void BadInputIsAClearErrorAndMakesNothing(string what, string errorId)
    {
        var lab = NewLab();
        if (what == "paravirtual")
            lab.Create(new GuestSpec { Name = "xen", Style = VirtualizationStyle.Paravirtual, Kind = GuestImageKind.Workload, Workload = "syscall", Host = "h" });
        var spec = new GuestSpec { Name = "c", Style = VirtualizationStyle.Container, Kind = GuestImageKind.UserProgram, Image = Program(PrintPid), Host = "h" };
        spec = what switch
        {
            "quota0" => spec with { CpuQuota = 0 },
            "quota1.5" => spec with { CpuQuota = 1.5 },
            "quota-0.25" => spec with { CpuQuota = -0.25 },
            "namespace" => spec with { Namespaces = ["pid", "cgroup"] },
            "limit" => spec with { MemoryLimitMB = 0.01 },          // 2 pages: the program needs 10
            "limit0" => spec with { MemoryLimitMB = 0 },
            "hostnameOnVm" => spec with { Style = VirtualizationStyle.Native, HostName = "x" },
            "bare" => spec with { Kind = GuestImageKind.Bare },
            "badHostName" => spec with { HostName = "two words" },
            _ => spec,
        };
        int before = lab.Guests.Count;
        var e = Assert.Throws<VirtPSException>(() => lab.Create(spec));
        output.WriteLine(e.Message);
        Assert.Equal(errorId, e.ErrorId);
        Assert.Equal(before, lab.Guests.Count);
        Assert.Null(lab.GetHost("h").ContainerKernel);
    }

    /// <summary>Selectable namespaces: a container without its own pid namespace sees its global pid, and the others'
    /// processes are in its (the host's) namespace.</summary>
    [Fact]
    public void WithoutAPidNamespaceAContainerSeesItsGlobalPid()
    {
        var lab = NewLab();
        var a = Container(lab, "a", PrintPid);
        var b = lab.Create(new GuestSpec { Name = "b", Style = VirtualizationStyle.Container, Kind = GuestImageKind.UserProgram,
            Image = Program(PrintPid), Host = "h", Namespaces = ["uts", "mount"] });
        RunAll(lab, a, b);
        Assert.Equal("pid 1\n", a.Console.Output);
        Assert.Equal("pid 2\n", b.Console.Output);
    }

    /// <summary>Removing a running container asks its kernel to end its processes (a stop request on the ring); the
    /// kernel does, and the neighbour runs on alone.</summary>
    [Fact]
    public void RemovingARunningContainerEndsItsProcessesInTheKernel()
    {
        var lab = NewLab();
        var a = Container(lab, "a", Spin);
        var b = Container(lab, "b", Spin);
        a.Step(1_000_000);
        Assert.True(lab.Remove(a));
        b.Step(1_000_000);
        var ps = lab.GetHost("h").ContainerKernel!.Processes();
        Assert.Equal("Exited", ps.Single(p => p.Container == "a").State);
        Assert.Equal("Runnable", ps.Single(p => p.Container == "b").State);
        long before = a.ContainerUserInstructions!.Value;
        b.Step(1_000_000);
        Assert.Equal(before, a.ContainerUserInstructions!.Value);
    }

    /// <summary>A hostile tenant reaching for the shared kernel: mprotect of a kernel address is refused, a read of the
    /// kernel's image is a #PF that kills only that process (the line on its own console); the neighbour runs on.</summary>
    [Fact]
    public void ReachingForKernelMemoryKillsOnlyTheOffender()
    {
        var lab = NewLab();
        var a = Container(lab, "a", """
            main:
                mov edi, 0x100000
                mov esi, 4096
                mov edx, 2
                mov eax, 5                  ; mprotect(kernel image, writable)
                syscall
                lea rsi, [s_mp]
                push rax
                call puts_z
                pop rax
                call putnum
                mov rax, [0x100000]         ; read the kernel: a supervisor page
                lea rsi, [s_read]
                call puts_z
                xor eax, eax
                syscall
            s_mp: db "mprotect(kernel): ", 0
            s_read: db "read the kernel", 10, 0
            """);
        var b = Container(lab, "b", PrintPid);
        RunAll(lab, a, b);
        output.WriteLine(a.Console.Output + b.Console.Output);
        Assert.StartsWith("mprotect(kernel): -1\nvirtps: pid 1 killed by #PF(5) at rip 0x", a.Console.Output);
        Assert.Equal("pid 1\n", b.Console.Output);
    }

    /// <summary>The net namespace in the kernel: its network stack and NIC are the host's; a container with a net
    /// namespace of its own cannot use them (ping: ENETUNREACH, 101), one sharing the host's network reaches the
    /// kernel's stack (which, with no NIC on this host, answers -1).</summary>
    [Fact]
    public void AContainerWithItsOwnNetNamespaceCannotUseTheHostsStack()
    {
        const string Ping = """
            main:
                mov edi, 0x0A000001
                mov esi, 1
                mov eax, 16                 ; ping(10.0.0.1, 1)
                syscall
                call putnum
                xor eax, eax
                syscall
            """;
        var lab = NewLab();
        var own = Container(lab, "own", Ping);
        var shared = lab.Create(new GuestSpec { Name = "shared", Style = VirtualizationStyle.Container, Kind = GuestImageKind.UserProgram,
            Image = Program(Ping), Host = "h", Namespaces = ["pid", "uts", "mount"] });
        RunAll(lab, own, shared);
        Assert.Equal("-101\n", own.Console.Output);
        Assert.Equal("-1\n", shared.Console.Output);
    }

    /// <summary>The kernel's process table is shared: when a container's processes fill it, the next container's start is
    /// refused (EAGAIN, 11), which the kernel says on that container's console; it never runs.</summary>
    [Fact]
    public void AStartTheKernelRefusesIsReportedOnTheContainersConsole()
    {
        var lab = NewLab();
        var a = Container(lab, "a", """
            main:
                mov r12d, 15
            .fork:
                mov eax, 6                  ; spawn: children spin, filling the table
                syscall
                test rax, rax
                jz .spin
                dec r12d
                jnz .fork
            .spin:
                jmp .spin
            """);
        a.Step(200_000);
        var b = Container(lab, "b", PrintPid);
        a.Step(500_000);
        Assert.Equal("virtps: container not started: error 11\n", b.Console.Output);
        Assert.Equal(GuestState.Halted, b.State);
        Assert.Equal(16, lab.GetHost("h").ContainerKernel!.Processes().Count(p => p.Container == "a" && p.State == "Runnable"));
    }

    /// <summary>The shared kernel goes with the host's last container; the host can then take a Paravirtual guest.</summary>
    [Fact]
    public void TheSharedKernelGoesWithTheLastContainer()
    {
        var lab = NewLab();
        var a = Container(lab, "a", PrintPid);
        var pv = new GuestSpec { Name = "xen", Style = VirtualizationStyle.Paravirtual, Kind = GuestImageKind.Workload, Workload = "syscall", Host = "h" };
        Assert.Equal(ErrorIds.ContainerKernelMismatch, Assert.Throws<VirtPSException>(() => lab.Create(pv)).ErrorId);
        lab.Remove(a);
        Assert.Null(lab.GetHost("h").ContainerKernel);
        Assert.Equal(VirtualizationStyle.Paravirtual, lab.Create(pv).Style);
    }
}
