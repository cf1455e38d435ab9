# The whole machine from PowerShell: system registers, the serial console, event tracing and -Until.
BeforeAll {
    $module = if ($env:VIRTPS_MODULE) { $env:VIRTPS_MODULE } else { Join-Path $PSScriptRoot '../out/VirtPS' }
    Import-Module $module -Force
    # A guest that loads an IDT whose #DE gate points at a handler that skips the DIV, then divides by zero.
    $DivZero = @'
    lgdt [rel gdtr]
    lidt [rel idtr]
    lea rax, [rel handler]
    mov [rel idt + 0], ax
    shr rax, 16
    mov [rel idt + 6], ax
    xor ecx, ecx
    div ecx
    hlt
handler:
    add qword [rsp], 2
    iretq
align 16
gdt: dq 0, 0x00AF9A000000FFFF
gdtr: dw 15
    dq gdt
idtr: dw 255
    dq idt
align 16
idt: dw 0, 0x08, 0x8E00, 0
    dd 0, 0
'@
}

Describe 'The whole machine' {
    AfterEach { Get-VGuest | Remove-VGuest -Confirm:$false }

    It 'shows the system state a guest starts with' {
        $r = New-VGuest -Name sys | Get-VRegister
        $r.Cpl | Should -Be 0
        $r.Cr3 | Should -Be 0x9000                    # the loader's identity map
        ($r.Efer -band 0x400) | Should -Be 0x400      # EFER.LMA: long mode active
        ($r.Cr0 -shr 31) -band 1 | Should -Be 1       # CR0.PG
        $r.Cr0 -band 1 | Should -Be 1                 # CR0.PE
        $r.Rsi | Should -Be 0x7000                    # the boot-information block
    }

    It 'returns console output once, and all of it with -All' {
        New-VGuest -Name hello -Bare -Code 'mov dx, 0x3F8', 'mov al, 0x48', 'out dx, al', 'mov al, 0x69', 'out dx, al', 'hlt' | Invoke-VStep | Out-Null
        Receive-VConsole -Guest hello | Should -Be 'Hi'
        Receive-VConsole -Guest hello | Should -BeNullOrEmpty
        Receive-VConsole -Guest hello -All | Should -Be 'Hi'
    }

    It 'waits for output by running the guest' {
        $g = New-VGuest -Name late -Bare -Code 'mov ecx, 300000', 'l: dec rcx', 'jnz l', 'mov dx, 0x3F8', 'mov al, 0x21', 'out dx, al', 'hlt'
        Receive-VConsole -Guest late -Wait | Should -Be '!'
        $g.Instructions | Should -BeGreaterThan 600000
    }

    It 'delivers typed text to the guest' {
        $g = New-VGuest -Name echo -Bare -Code 'mov dx, 0x3F8', 'in al, dx', 'out dx, al', 'in al, dx', 'out dx, al', 'hlt'
        Send-VConsole -Guest echo -Text 'x'
        $g | Invoke-VStep | Out-Null
        Receive-VConsole -Guest echo | Should -Be "x`r"
    }

    It 'traces a delivered exception and stops on it with -Until Exception' {
        $g = New-VGuest -Name dz -Bare -Code $DivZero
        $events = @($g | Invoke-VStep -Trace | Where-Object { $_ -is [VirtPS.Engine.Trace.TraceEvent] })
        @($events.Kind) | Should -Be @('Exception', 'Halt')
        $events[0].Vector | Should -Be 0
        $events[0].VectorName | Should -Be '#DE'

        $h = New-VGuest -Name dz2 -Bare -Code $DivZero
        $r = $h | Invoke-VStep -Until Exception
        $r | Should -HaveStopReason Exception
        $h.State | Should -Be 'Ready'
        $h | Invoke-VStep | Should -HaveStopReason Halt
    }

    It 'reports an unhandled exception with no IDT as the guest''s fault' {
        $g = New-VGuest -Name bare -Bare -Code 'xor ecx, ecx', 'div ecx', 'hlt'
        $g | Invoke-VStep | Should -HaveStopReason Exception
        $g.State | Should -Be 'Faulted'
        $g.LastException.Mnemonic | Should -Be '#DE'
    }
}

Describe 'Bad guest behaviour is a guest event' {
    AfterEach { Get-VGuest | Remove-VGuest -Confirm:$false }

    It 'stops a triple fault with the chain in the result' {
        # An IDT whose entries are all empty: #DE cannot be delivered (#GP), nor can the double fault.
        $g = New-VGuest -Name tf -Bare -Code 'lidt [rel idtr]', 'xor ecx, ecx', 'div ecx', 'hlt', 'idtr: dw 4095', 'dq 0x200000'
        $r = $g | Invoke-VStep
        $r | Should -HaveStopReason TripleFault
        @($r.Exception.Chain | ForEach-Object { "$_" }) | Should -Be @('DE', 'GP', 'GP')
        $g.State | Should -Be 'Faulted'
    }

    It 'reports a jump into unmapped memory as a page fault' {
        $r = New-VGuest -Name wild -Bare -Code 'mov rax, 0x7000000000', 'jmp rax' | Invoke-VStep -Instructions 1000
        $r | Should -HaveStopReason Exception
        $r.Exception.Mnemonic | Should -Be '#PF'
        $r.Exception.FaultAddress | Should -Be 0x7000000000
        ($r.Exception.ErrorCode -band 0x10) | Should -Be 0x10   # an instruction fetch
    }

    It 'bounds an endless loop with interrupts off by -Instructions' {
        $g = New-VGuest -Name spin -Bare -Code 'cli', 'l: jmp l'
        $r = $g | Invoke-VStep -Instructions 1000000
        $r | Should -HaveStopReason InstructionLimit
        $r.Instructions | Should -Be 1000000
        $g.State | Should -Be 'Ready'
    }
}
