! Native driver: the same inputs as tests/fortran/pyodide-kernels.mjs, results
! printed as IEEE bit patterns.
program kernels_main
  implicit none
  integer, parameter :: n = 37, m = 7, k = 5, nn = 6
  double precision :: x(n), y(n), a(m, k), b(k, nn), c(m, nn), kdot
  integer :: i, j
  external kdot
  do i = 1, n
    x(i) = dble(mod(i * 7, 13) - 6) / 3.0d0
    y(i) = dble(mod(i * 5, 11) - 5) / 7.0d0
  end do
  write (*, '(Z16.16)') kdot(n, x, y)
  call kaxpy(n, 1.0d0 / 3.0d0, x, y)
  do i = 1, n
    write (*, '(Z16.16)') y(i)
  end do
  do j = 1, k
    do i = 1, m
      a(i, j) = dble(i - 2 * j) / 9.0d0
    end do
  end do
  do j = 1, nn
    do i = 1, k
      b(i, j) = dble(3 * i + j) / 11.0d0
    end do
  end do
  do j = 1, nn
    do i = 1, m
      c(i, j) = dble(i * j) / 13.0d0
    end do
  end do
  call kgemm(m, nn, k, 0.7d0, a, m, b, k, 0.3d0, c, m)
  do j = 1, nn
    do i = 1, m
      write (*, '(Z16.16)') c(i, j)
    end do
  end do
end program
