! A finalizable type: flang's type information holds C_FUNPTRs to the
! bindings, which need the c-ptr fix-up to be relocatable on wasm32.
module tracked
  implicit none
  integer :: finals = 0
  type :: box
    integer :: v = 0
  contains
    final :: drop
  end type
contains
  subroutine drop(b)
    type(box), intent(inout) :: b
    finals = finals + b%v
  end subroutine
  integer function churn(n) bind(c, name='churn')
    integer, value :: n
    type(box), allocatable :: b
    integer :: i
    do i = 1, n
      allocate (b)
      b%v = i
      deallocate (b)
    end do
    churn = finals
  end function
end module
