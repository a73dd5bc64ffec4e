! COMPLEX(4) intrinsics that i386 returns packed in an i64.
subroutine cplx(a, b, n, r) bind(c, name='cplx')
  complex, intent(in) :: a, b
  integer, value :: n
  complex, intent(out) :: r(6)
  r(1) = a / b
  r(2) = sqrt(a)
  r(3) = exp(a)
  r(4) = log(b)
  r(5) = a ** b
  r(6) = a ** n
end subroutine
