double precision function kdot(n, x, y)
  use consts, only: scale
  integer, intent(in) :: n
  double precision, intent(in) :: x(n), y(n)
  kdot = scale * dot_product(x, y)
end function
