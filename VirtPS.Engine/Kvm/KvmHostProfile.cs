using System.Collections.Concurrent;
using VirtPS.Engine.Cpu;

namespace VirtPS.Engine.Kvm;

/// <summary>
/// What the host's KVM is, and where it departs from the architecture a guest was written for, found by running
/// two tiny probe guests (once per device, then cached). /dev/kvm is an interface, not a guarantee of VT-x or
/// SVM: PVM (kvm_pvm, a pagetable-based hypervisor for clouds without nested virtualization) serves the same
/// ioctls while running the guest kernel deprivileged at ring 3 — ring compression, as the TrapAndEmulate
/// style models it — and then a sensitive unprivileged instruction can silently misbehave.
/// </summary>
public sealed record KvmHostProfile(string DevicePath, string Implementation, bool SyscallEntersKernel, bool InterruptWindowExact,
    IReadOnlyList<CpuidOverride> CpuidOverrides, long? EmulatedPerThousandKernelInstructions, IReadOnlyList<string> Divergences)
{
    /// <summary>Where the probe guests load: the simulator loader's address (Guest.DefaultLoadAddress), as Firecracker loads Linux.</summary>
    const ulong ProbeLoadAddress = 0x100000;
    static readonly ConcurrentDictionary<string, KvmHostProfile> Cache = new();

    /// <summary>True if the built-in kernel can run here: its processes enter it with SYSCALL.</summary>
    /// <remarks><see cref="EmulatedPerThousandKernelInstructions"/>: instructions the host kernel's x86 emulator ran
    /// (its insn_emulation statistic) per thousand the guest retired at CPL 0; about zero under VT-x or SVM, about a
    /// thousand where the host emulates a deprivileged guest kernel; null without KVM's binary statistics.</remarks>
    public bool CanRunBuiltInKernel => SyscallEntersKernel;

    /// <summary>The profile of the KVM at <paramref name="devicePath"/> (probed on first use; KvmUnavailable if there is none).</summary>
    public static KvmHostProfile For(string devicePath = KvmBackend.DefaultDevicePath) => Cache.GetOrAdd(devicePath, Probe);

    /// <summary>Which KVM module serves the device, from /sys/module (the vendor module KVM loads beside itself).</summary>
    static string Identify()
    {
        static bool Loaded(string m) => Directory.Exists("/sys/module/" + m);
        return Loaded("kvm_pvm") ? "kvm_pvm (PVM: the guest runs deprivileged at ring 3 under shadow paging, without VT-x or SVM)"
            : Loaded("kvm_intel") ? "kvm_intel (Intel VT-x)"
            : Loaded("kvm_amd") ? "kvm_amd (AMD SVM)"
            : "unknown (no kvm_intel, kvm_amd or kvm_pvm in /sys/module)";
    }

    static KvmHostProfile Probe(string devicePath)
    {
        var divergences = new List<string>();
        bool syscall = ProbeSyscall(devicePath, out string syscallDetail);
        if (!syscall) divergences.Add(syscallDetail);
        bool window = ProbeInterruptWindow(devicePath, out string windowDetail);
        if (!window) divergences.Add(windowDetail);
        var cpuid = ProbeCpuid(devicePath);
        if (cpuid.Count > 0)
            divergences.Add("CPUID does not answer from the table KVM_SET_CPUID2 installed for " + string.Join(", ", cpuid.Select(c => c.ToString())));
        return new KvmHostProfile(devicePath, Identify(), syscall, window, cpuid, ProbeEmulation(devicePath), divergences);
    }

    /// <summary>A guest that goes to CPL 3 with SYSRET and comes back with SYSCALL; at LSTAR it writes port 0x80,
    /// which at CPL 0 is an IO exit and at CPL 3 a #GP that, with no IDT, shuts the machine down.</summary>
    static bool ProbeSyscall(string devicePath, out string detail)
    {
        const string source = """
            default rel
                mov ecx, 0xC0000080         ; EFER.SCE
                rdmsr
                or eax, 1
                wrmsr
                mov ecx, 0xC0000081         ; STAR: SYSCALL CS 0x08, SYSRET base 0x10 (CS 0x23, SS 0x1B)
                xor eax, eax
                mov edx, 0x00100008
                wrmsr
                mov ecx, 0xC0000082         ; LSTAR
                lea rax, [kernel]
                xor edx, edx
                wrmsr
                lgdt [gdtr]
                lea rcx, [user]
                mov r11d, 2
                o64 sysret
            user:
                syscall
            kernel:
                out 0x80, al
                hlt
            align 8
            gdt: dq 0, 0x00AF9A000000FFFF, 0x00CF92000000FFFF, 0x00CFF2000000FFFF, 0x00AFFA000000FFFF
            gdtr: dw 39
                dq gdt
            """;
        var (vm, r) = RunProbe(devicePath, source);
        using (vm)
        {
            bool ok = vm.Exits.IoExitsByPort.ContainsKey(0x80) && r.Stop == RunStop.Halt;
            detail = ok ? "" : $"SYSCALL from CPL 3 jumps to IA32_LSTAR but stays at CPL {vm.Machine.Cpu.Cpl} (CS 0x{vm.Machine.Cpu.Cs:X}; the probe then {(r.Stop == RunStop.TripleFault ? "shut down on the #GP of an OUT at CPL 3" : "stopped: " + r.Stop)}), so a kernel entered by SYSCALL runs its entry code in user mode";
            return ok;
        }
    }

    /// <summary>
    /// The boot self-test of the built-in kernel, alone: with interrupts off a SELF IPI is requested (the VMM's local
    /// APIC model holds it), POPF sets IF for sixteen loop turns, CLI, HLT. The SDM has the interrupt taken at the
    /// first instruction boundary with IF set; the VMM asks KVM for that boundary with request_interrupt_window. The
    /// handler records where it interrupted.
    /// </summary>
    static bool ProbeInterruptWindow(string devicePath, out string detail)
    {
        const string source = """
            default rel
                lea rax, [handler]
                lea rdi, [idt + 0x40 * 16]
                mov [rdi], ax
                mov word [rdi + 2], 0x08
                mov word [rdi + 4], 0x8E00
                shr rax, 16
                mov [rdi + 6], ax
                shr rax, 16
                mov [rdi + 8], eax
                lgdt [gdtr]
                lidt [idtr]
                mov ecx, 0x1B               ; IA32_APIC_BASE: EN, EXTD
                rdmsr
                or eax, 0xC00
                wrmsr
                mov ecx, 0x80F              ; software enable
                mov eax, 0x1FF
                xor edx, edx
                wrmsr
                mov ecx, 0x83F              ; SELF IPI, vector 0x40
                mov eax, 0x40
                wrmsr
                pushfq
                or qword [rsp], 0x200
                popfq
            armed:
                mov ecx, 16
            window:
                dec ecx
                jnz window
            after:
                cli
                hlt
            handler:
                mov rax, [rsp]
                mov [taken], rax
                mov ecx, 0x80B
                xor eax, eax
                xor edx, edx
                wrmsr
                iretq
            align 8
            taken: dq 0
            gdt: dq 0, 0x00AF9A000000FFFF, 0x00CF92000000FFFF
            gdtr: dw 23
                dq gdt
            idtr: dw 0xFFF
                dq idt
            align 4096
            idt: times 4096 db 0
            """;
        var program = Asm.Assembler.Assemble(source, null, ProbeLoadAddress);
        var (vm, _) = RunProbe(devicePath, source);
        using (vm)
        {
            ulong taken = BitConverter.ToUInt64(vm.Machine.Memory.Read(program.Symbols["taken"], 8));
            ulong first = program.Symbols["armed"], last = program.Symbols["after"];   // from the instruction after POPF to the loop's end
            bool ok = taken >= first && taken <= last;
            detail = ok ? "" : "an interrupt the VMM asks to inject as soon as the guest sets IF (request_interrupt_window) is not taken at that instruction boundary, as the SDM has it, but "
                + (taken == 0 ? "not at all while IF stayed set for sixteen loop turns" : $"later, at 0x{taken:X} (IF was set from 0x{first:X} to 0x{last:X})")
                + ": the built-in kernel's boot self-test then takes its SELF IPI late";
            return ok;
        }
    }

    /// <summary>A loop of 2,000 instructions at CPL 0 and a HLT: how many of them the host's instruction emulator ran.</summary>
    static long? ProbeEmulation(string devicePath)
    {
        const string source = """
                mov ecx, 1000
            again:
                dec ecx
                jnz again
                hlt
            """;
        var (vm, _) = RunProbe(devicePath, source);
        using (vm)
            return vm.KernelStatistics().TryGetValue("insn_emulation", out long n) ? n * 1000 / 2002 : null;
    }

    /// <summary>A guest that executes CPUID for every leaf installed and stores what it reads: each register that is
    /// not the installed value is an override of the host's.</summary>
    static IReadOnlyList<CpuidOverride> ProbeCpuid(string devicePath)
    {
        const ulong results = 0x110000;
        var table = new List<CpuidLeaf>();
        var (vm, _) = RunProbe(devicePath, $"""
                lea rsi, [rel leaves]
                mov rdi, {results}
            next:
                mov eax, [rsi]
                cmp eax, -1
                je done
                xor ecx, ecx
                cpuid
                mov [rdi], eax
                mov [rdi + 4], ebx
                mov [rdi + 8], ecx
                mov [rdi + 12], edx
                add rdi, 16
                add rsi, 4
                jmp next
            done:
                hlt
            leaves:
            """, installed => table.AddRange(installed.Leaves));
        using (vm)
        {
            var found = new List<CpuidOverride>();
            var seen = vm.Machine.Memory.Read(results, 16 * table.Count);
            for (int k = 0; k < table.Count; k++)
            {
                var l = table[k];
                uint[] want = [l.Eax, l.Ebx, l.Ecx, l.Edx];
                for (int r = 0; r < 4; r++)
                {
                    uint got = BitConverter.ToUInt32(seen, 16 * k + 4 * r);
                    if (got != want[r]) found.Add(new CpuidOverride(l.Function, "ABCD"[r], want[r], got));
                }
            }
            return found;
        }
    }

    /// <summary>Runs a probe program; <paramref name="withCpuid"/> may append the installed CPUID leaves' numbers
    /// (and a -1) after the program, which the program finds at its end.</summary>
    static (KvmVirtualMachine, KvmRunResult) RunProbe(string devicePath, string source, Action<KvmCpuid>? withCpuid = null)
    {
        var program = Asm.Assembler.Assemble(source, null, ProbeLoadAddress);
        var machine = new Machine(4UL << 20);
        machine.Memory.Write(ProbeLoadAddress, program.Bytes);
        machine.Cpu.Rip = ProbeLoadAddress;
        machine.Cpu.SetGpr(Gpr.Rsp, 4UL << 20);
        var vm = KvmVirtualMachine.Create(machine, devicePath);
        if (withCpuid != null)
        {
            withCpuid(vm.Cpuid);
            var list = vm.Cpuid.Leaves.Select(l => l.Function).Append(uint.MaxValue).SelectMany(BitConverter.GetBytes).ToArray();
            vm.WriteGuestMemory(ProbeLoadAddress + (ulong)program.Bytes.Length, list);
        }
        try { return (vm, vm.Run(TimeSpan.FromSeconds(5))); }
        catch { vm.Dispose(); throw; }
    }
}
