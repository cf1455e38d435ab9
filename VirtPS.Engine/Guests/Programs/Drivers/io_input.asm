; Input: the i8042 keyboard and mouse controller (ports 0x60 and 0x64, IRQ 1 and 12).
kbd_init:
    ret
kbd_irq:
    ret
; 19 kbd_read
sys_kbd_read:
    mov rax, -1
    ret
; @@DATA@@
