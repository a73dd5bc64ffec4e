! The native side of the lapack proof: the cases written by run.sh (stream
! file: an op code, its sizes and scalars, its matrices), through the same
! DGESV/DGEMM sources built with flang-new-19 for x86-64; the results written
! as raw doubles.
program driver
  implicit none
  integer :: op, n, nrhs, m, k, ta, tb, info, lda, ldb
  double precision :: alpha, beta
  double precision, allocatable :: a(:), b(:), c(:)
  integer, allocatable :: ipiv(:)
  character(len=256) :: inp, outp
  call get_command_argument(1, inp)
  call get_command_argument(2, outp)
  open (10, file=trim(inp), access='stream', form='unformatted', status='old')
  open (11, file=trim(outp), access='stream', form='unformatted', status='replace')
  do
    read (10) op
    if (op == 0) exit
    if (op == 1) then
      read (10) n, nrhs
      allocate (a(n*n), b(n*nrhs), ipiv(n))
      read (10) a, b
      call dgesv(n, nrhs, a, n, ipiv, b, n, info)
      write (11) a, b
      deallocate (a, b, ipiv)
    else
      read (10) ta, tb, m, n, k, alpha, beta
      lda = merge(m, k, ta == ichar('N'))
      ldb = merge(k, n, tb == ichar('N'))
      allocate (a(m*k), b(k*n), c(m*n))
      read (10) a, b, c
      call dgemm(achar(ta), achar(tb), m, n, k, alpha, a, lda, b, ldb, beta, c, m)
      write (11) c
      deallocate (a, b, c)
    end if
  end do
  close (10)
  close (11)
end program driver
