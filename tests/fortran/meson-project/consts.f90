module consts
  implicit none
  double precision, parameter :: scale = 0.5d0
end module
