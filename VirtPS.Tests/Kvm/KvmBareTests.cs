using VirtPS.Engine.Asm;
using VirtPS.Engine.Cpu;
using VirtPS.Engine.Guests;
using VirtPS.Engine.Kvm;
using VirtPS.Tests.Asm;
using Xunit;
using Xunit.Abstractions;

namespace VirtPS.Tests.Kvm;

/// <summary>Bare programs (no kernel, CPL 0 at 0x100000) on KVM beside the simulator.</summary>
public class KvmBareTests(ITestOutputHelper output)
{
    static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    static AssembledProgram Assemble(string source, Dictionary<string, long>? defines = null) =>
        Assembler.Assemble(source, defines, Guest.DefaultLoadAddress);

    static Guest Bare(AssembledProgram p, int memoryMB = 16) =>
        Guest.Create("g", VirtualizationStyle.HardwareAssisted, memoryMB, p.Bytes, entryPoint: p.EntryPoint);

    [KvmFact(needsLoopAsm: true)]
    public void LoopAsm_EndsWithTheSimulatorsRaxAndRdx()
    {
        var program = Assemble(File.ReadAllText(AsmTestSupport.LoopAsmPath!), new() { ["ITER"] = 10_000 });
        var sim = Bare(program);
        var step = sim.Step(null);
        Assert.Equal(StopReason.Halt, step.StopReason);
        Assert.Equal(5 + 9 * 10_000, step.Instructions);

        var g = Bare(program);
        using var vm = g.CreateKvm();
        var r = vm.Run(Limit);
        Assert.True(r.Stop == RunStop.Halt, $"{r.Stop}: {r.Exception}");
        Assert.Equal(StopReason.Halt, r.StopReason);
        var (s, k) = (sim.Machine.Cpu, g.Machine.Cpu);
        Assert.Equal(1UL, k.GetGpr(Gpr.Rax));
        Assert.Equal(s.GetGpr(Gpr.Rax), k.GetGpr(Gpr.Rax));
        Assert.Equal(s.GetGpr(Gpr.Rdx), k.GetGpr(Gpr.Rdx));
        foreach (var reg in Enum.GetValues<Gpr>()) Assert.True(s.GetGpr(reg) == k.GetGpr(reg), $"{reg}: simulator 0x{s.GetGpr(reg):X}, KVM 0x{k.GetGpr(reg):X}");
        Assert.Equal(s.Rip, k.Rip);
        Assert.Equal(s.Rflags, k.Rflags);
        Assert.Equal(1, vm.Exits[KvmExitReason.Hlt]);
        // the buffer the loop wrote came back into the machine's memory, and the machine reads as halted
        Assert.Equal(sim.Machine.Memory.Read(program.Symbols["buf"], 4096), g.Machine.Memory.Read(program.Symbols["buf"], 4096));
        Assert.True(g.Machine.Halted);
        Assert.True(vm.Halted);
        Assert.Equal(RunStop.Halt, vm.Run(Limit).Stop);   // a halted guest stays halted
        output.WriteLine($"loop.asm ITER=10^4: simulator {step.HostSeconds * 1e3:F2} ms, KVM {r.HostSeconds * 1e3:F2} ms");
    }

    [KvmFact]
    public void Cpuid_ReturnsWhatKvmSetCpuid2Installed_TheSimulatorsLeaves()
    {
        uint[] leaves = [0, 1, 0xA, 0x8000_0000, 0x8000_0001, 0x8000_0008];
        var program = Assemble($$"""
            default rel
                lea rdi, [out]
                lea rsi, [leaves]
                mov r8d, {{leaves.Length}}
            next:
                mov eax, [rsi]
                xor ecx, ecx
                cpuid
                mov [rdi], eax
                mov [rdi + 4], ebx
                mov [rdi + 8], ecx
                mov [rdi + 12], edx
                add rdi, 16
                add rsi, 4
                dec r8d
                jnz next
                hlt
            leaves: dd {{string.Join(", ", leaves)}}
            align 16
            out: times {{16 * leaves.Length}} db 0
            """);
        var g = Bare(program);
        using var vm = g.CreateKvm();
        Assert.Equal(RunStop.Halt, vm.Run(Limit).Stop);
        var sim = Bare(program);
        sim.Pcid = vm.Cpuid.Pcid;
        Assert.Equal(StopReason.Halt, sim.Step(null).StopReason);
        var got = g.Machine.Memory.Read(program.Symbols["out"], 16 * leaves.Length);
        // A host whose KVM answers some registers itself (found by the host profile's own probe) is reported, not hidden.
        var overrides = vm.Host.CpuidOverrides;
        foreach (var o in overrides) output.WriteLine("host override: " + o);
        for (int k = 0; k < leaves.Length; k++)
        {
            var l = vm.Cpuid.Leaf(leaves[k]);
            var e = new[] { l.Eax, l.Ebx, l.Ecx, l.Edx };
            for (int r = 0; r < 4; r++)
            {
                uint read = BitConverter.ToUInt32(got, 16 * k + 4 * r);
                if (overrides.FirstOrDefault(o => o.Function == leaves[k] && o.Register == "ABCD"[r]) is { } o)
                    Assert.Equal(o.GuestReads, read);
                else
                    Assert.True(e[r] == read, $"CPUID.{leaves[k]:X}H register {"ABCD"[r]}: installed 0x{e[r]:X8}, the guest read 0x{read:X8}");
            }
        }
        Assert.Equal("VirtPSVirtPS", System.Text.Encoding.ASCII.GetString([.. got.AsSpan(4, 4), .. got.AsSpan(12, 4), .. got.AsSpan(8, 4)]));
        // the simulated processor of the same guest answers the same, withheld features and all (where the host does not override)
        var simGot = sim.Machine.Memory.Read(program.Symbols["out"], 16 * leaves.Length);
        for (int k = 0; k < leaves.Length; k++)
            for (int r = 0; r < 4; r++)
                if (!overrides.Any(o => o.Function == leaves[k] && o.Register == "ABCD"[r]))
                {
                    // a feature withheld from the KVM guest reads as absent there (the simulator models only PCID's absence)
                    uint withheld = vm.Cpuid.Withheld.Where(w => w.Function == leaves[k] && w.Register == "ABCD"[r]).Aggregate(0u, (m, w) => m | 1u << w.Bit);
                    Assert.Equal(BitConverter.ToUInt32(simGot, 16 * k + 4 * r) & ~withheld, BitConverter.ToUInt32(got, 16 * k + 4 * r));
                }
        foreach (var w in vm.Cpuid.Withheld) output.WriteLine($"withheld: {w.Name} ({w.Reason})");
    }

    [KvmFact]
    public void ATripleFaultIsKvmExitShutdown_ReportedAsTheSimulatorReportsIt()
    {
        // An IDT whose gates are all absent: #UD, then #NP delivering it, then #DF, then #NP delivering that.
        var program = Assemble("""
            default rel
                lidt [idtr]
                ud2
            idtr: dw 0xFFF
                dq 0x200000
            """);
        var sim = Bare(program);
        var s = sim.Step(1000);
        Assert.Equal(StopReason.TripleFault, s.StopReason);

        var g = Bare(program);
        using var vm = g.CreateKvm();
        var r = vm.Run(Limit);
        Assert.Equal(RunStop.TripleFault, r.Stop);
        Assert.Equal(StopReason.TripleFault, r.StopReason);
        Assert.Equal(1, vm.Exits[KvmExitReason.Shutdown]);
        Assert.NotNull(r.Exception);
        Assert.Equal(ExceptionVector.DF, r.Exception!.Vector);
        Assert.NotEmpty(r.Exception.Chain);
        Assert.Contains("KVM_EXIT_SHUTDOWN", r.Exception.Description);
        Assert.Same(r.Exception, g.Machine.LastException);
        Assert.Equal(RunStop.TripleFault, g.Machine.Run(100).Stop);   // the machine reads as shut down
        Assert.Equal(RunStop.TripleFault, vm.Run(Limit).Stop);        // and so does the VM
    }

    [KvmFact]
    public void AFaultWithNoIdt_StopsTheSimulatorOnTheException_AndShutsKvmDown()
    {
        // The simulator records a bare program's first exception as a guest event; a real processor with no IDT
        // cannot deliver it and shuts down. The KVM backend reports what the processor did.
        var program = Assemble("ud2");
        var sim = Bare(program);
        var s = sim.Step(10);
        Assert.Equal(StopReason.Exception, s.StopReason);
        Assert.Equal(ExceptionVector.UD, s.Exception!.Vector);
        var g = Bare(program);
        using var vm = g.CreateKvm();
        Assert.Equal(RunStop.TripleFault, vm.Run(Limit).Stop);
    }

    [KvmFact]
    public void AnEndlessLoopIsStoppedByTheTimeBudget_AndByCancellation_AndCanContinue()
    {
        var program = Assemble("""
                mov rax, 7
            spin:
                jmp spin
            """);
        var g = Bare(program);
        using var vm = g.CreateKvm();
        var r = vm.Run(TimeSpan.FromMilliseconds(200));
        Assert.Equal(RunStop.Budget, r.Stop);
        Assert.Equal(StopReason.TimeLimit, r.StopReason);
        Assert.InRange(r.HostSeconds, 0.15, 10);
        Assert.Equal(program.Symbols["spin"], g.Machine.Cpu.Rip);
        Assert.Equal(7UL, g.Machine.Cpu.GetGpr(Gpr.Rax));
        Assert.True(vm.Exits[KvmExitReason.Intr] >= 1);

        // Cancellation from another thread, with no time limit at all.
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(150));
        var c = vm.Run(null, cts.Token);
        Assert.Equal(RunStop.Cancelled, c.Stop);
        Assert.Equal(StopReason.Cancelled, c.StopReason);
        Assert.InRange(c.HostSeconds, 0.1, 10);

        // No kick is left pending: the next run runs its whole budget, not a stale signal's zero.
        var again = vm.Run(TimeSpan.FromMilliseconds(100));
        Assert.Equal(RunStop.Budget, again.Stop);
        Assert.InRange(again.HostSeconds, 0.08, 10);
        Assert.Equal(program.Symbols["spin"], g.Machine.Cpu.Rip);
        // an already-cancelled token stops at once
        Assert.Equal(RunStop.Cancelled, vm.Run(null, new CancellationToken(canceled: true)).Stop);
    }

    [KvmFact]
    public void AnAccessBeyondGuestMemoryIsAMachineCheck_OnBothBackends()
    {
        // A 2 MiB page at 200 MiB of a 16 MiB guest: mapped, but no memory is there (KVM_EXIT_MMIO).
        var program = Assemble("""
                mov rax, (100 << 21) | 0x87
                mov [0xB000 + 100 * 8], rax
                mov rax, [100 << 21]
                hlt
            """);
        var sim = Bare(program);
        var s = sim.Step(100);
        Assert.Equal(StopReason.Exception, s.StopReason);
        Assert.Equal(ExceptionVector.MC, s.Exception!.Vector);
        var g = Bare(program);
        using var vm = g.CreateKvm();
        var r = vm.Run(Limit);
        Assert.Equal(RunStop.Exception, r.Stop);
        Assert.Equal(ExceptionVector.MC, r.Exception!.Vector);
        Assert.Contains("KVM_EXIT_MMIO", r.Exception.Description);
        Assert.Equal(1, vm.Exits[KvmExitReason.Mmio]);
        Assert.Equal(sim.Machine.Cpu.Rip, g.Machine.Cpu.Rip);   // both stop on the load
    }

    /// <summary>The kernel's console driver, as a bare program: poll LSR until THR is empty, write the byte.</summary>
    const string Hello = """
        default rel
            lea rsi, [msg]
        next:
            mov al, [rsi]
            test al, al
            jz done
            mov dx, 0x3FD
        wait:
            in al, dx
            test al, 0x20
            jz wait
            mov al, [rsi]
            mov dx, 0x3F8
            out dx, al
            inc rsi
            jmp next
        done:
            hlt
        msg: db "hello from the guest", 10, 0
        """;

    [KvmFact]
    public void UartOutput_IsTheSimulatedConsole_WithTheSameIoExits()
    {
        var program = Assemble(Hello);
        var c = BackendComparison.Bare("hello", program.Bytes);
        foreach (var row in c.Exits) output.WriteLine(row.ToString());
        Assert.Equal("hello from the guest\n", c.Kvm.Console);
        Assert.True(c.ConsoleMatches);
        Assert.True(c.RegistersMatch, string.Join("; ", c.Disagreements));
        Assert.Equal(StopReason.Halt, c.Kvm.StopReason);
        var uart = c.Exits.Single(e => e.Exit.StartsWith("IoInstruction: UART"));
        Assert.True(uart.Agrees, uart.ToString());
        Assert.Equal(2 * 21, uart.Kvm);   // an LSR poll and a THR write per byte
        Assert.True(c.Exits.Single(e => e.Exit == "Hlt").Agrees);
    }

    [KvmFact]
    public void PortReads_OneExitEach_OnBothBackends_WithHostTimePerExitMeasured()
    {
        // The "in" nanobenchmark's loop (the kernel's inb syscall), as a bare program: 10^4 reads of port 0x80.
        var program = Assemble("""
                mov ecx, 10000
            again:
                in al, 0x80
                dec ecx
                jnz again
                hlt
            """);
        var c = BackendComparison.Bare("in80", program.Bytes);
        foreach (var row in c.Exits) output.WriteLine(row.ToString());
        foreach (var d in c.Disagreements) output.WriteLine("disagrees: " + d);
        var port80 = c.Exits.Single(e => e.Exit == "IoInstruction: port 0x80");
        Assert.Equal(10_000, port80.Simulator);
        Assert.Equal(10_000, port80.Kvm);
        Assert.True(c.RegistersMatch, string.Join("; ", c.Disagreements));
        var io = c.KvmExits.ByReason.Single(x => x.Reason == KvmExitReason.Io);
        output.WriteLine($"KVM_EXIT_IO: {io.Count} exits, mean {io.MeanMicroseconds:F2} us (KVM_RUN + device model), min {io.MinMicroseconds:F2} us, device model {io.HandlerMicroseconds:F3} us; whole run {c.Kvm.MicrosecondsPerExit:F2} us per exit; simulator {c.Simulator.HostSeconds * 1e3:F1} ms");
        Assert.InRange(io.MeanMicroseconds, 0.1, 5000);
        Assert.InRange(io.MinMicroseconds, 0.05, io.MeanMicroseconds);
        Assert.InRange(c.Kvm.MicrosecondsPerExit, 0.1, 5000);
        // every exit of the 10^4 was measured
        Assert.Equal(10_000, io.Count);
    }

    [KvmFact]
    public void AnInterruptTheApicModelRaises_IsInjected_AndTakenThroughTheGuestsIdt()
    {
        // x2APIC on, a SELF IPI (vector 0x40) requested with interrupts off, then STI; HLT: the handler prints
        // 'I' and EOIs, and the program goes on after the HLT to print 'D'.
        var program = Assemble("""
            default rel
                lea rax, [handler]
                mov rdi, idt + 0x40 * 16
                mov [rdi], ax
                mov word [rdi + 2], 0x08
                mov word [rdi + 4], 0x8E00
                shr rax, 16
                mov [rdi + 6], ax
                shr rax, 16
                mov [rdi + 8], eax
                lgdt [gdtr]
                lidt [idtr]
                mov ecx, 0x1B               ; IA32_APIC_BASE: EN and EXTD
                rdmsr
                or eax, 0xC00
                wrmsr
                mov ecx, 0x80F              ; spurious-vector register: software enable
                mov eax, 0x1FF
                xor edx, edx
                wrmsr
                mov ecx, 0x83F              ; SELF IPI, vector 0x40
                mov eax, 0x40
                wrmsr
                sti
                hlt
                mov dx, 0x3F8
                mov al, 'D'
                out dx, al
                cli
                hlt
            handler:
                mov dx, 0x3F8
                mov al, 'I'
                out dx, al
                mov ecx, 0x80B              ; EOI
                xor eax, eax
                xor edx, edx
                wrmsr
                iretq
            align 8
            gdt: dq 0, 0x00AF9A000000FFFF, 0x00CF92000000FFFF
            gdtr: dw 23
                dq gdt
            idtr: dw 0xFFF
                dq idt
            align 4096
            idt: times 4096 db 0
            """);
        var c = BackendComparison.Bare("ipi", program.Bytes);
        foreach (var row in c.Exits) output.WriteLine(row.ToString());
        Assert.Equal("ID", c.Simulator.Console);
        Assert.Equal("ID", c.Kvm.Console);
        Assert.Equal(1, c.KvmExits.InterruptsInjected);
        Assert.True(c.Exits.Single(e => e.Exit.StartsWith("ExternalInterrupt")).Agrees);
        Assert.True(c.Exits.Single(e => e.Exit.StartsWith("Rdmsr/Wrmsr: MSRs the VMM models")).Agrees);
        Assert.Equal(StopReason.Halt, c.Kvm.StopReason);
    }
}
