! List-directed output: calls _FortranAioOutputAscii(cookie, ptr, size_t).
subroutine hello() bind(c, name='hello')
  character(len=5) :: who = 'wasm '
  write (*, *) 'hello ', trim(who)
  flush (6)
end subroutine
