; branch relaxation: forward/backward, exactly on the short/near boundary
bits 64
top:
  jmp fwd1
  jz fwd2
  times 125 nop
fwd1:
  times 3 nop
fwd2:
  jmp top
  jnz top
  call top
  loop top2
top2:
  times 120 nop
  jmp top2
  jmp top
  je far_away
  times 200 nop
far_away:
  jmp short far_away
  jrcxz far_away
