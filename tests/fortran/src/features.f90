! Fortran 90+ features exercised through the wasm32 runtime; run_features()
! prints the same lines natively and in Pyodide.
module shapes
  implicit none
  type :: bag
    character(len=8) :: label = 'empty'
    real(8), allocatable :: v(:)
  contains
    procedure :: assign_bag
    generic :: assignment(=) => assign_bag
    final :: drop_bag
  end type
  type, abstract :: shape
  contains
    procedure(area_if), deferred :: area
  end type
  abstract interface
    real(8) function area_if(s)
      import :: shape
      class(shape), intent(in) :: s
    end function
  end interface
  type, extends(shape) :: rect
    real(8) :: w = 0, h = 0
  contains
    procedure :: area => rect_area
  end type
  type, extends(shape) :: circle
    real(8) :: r = 0
  contains
    procedure :: area => circle_area
  end type
contains
  subroutine assign_bag(to, from)
    class(bag), intent(inout) :: to
    type(bag), intent(in) :: from
    to%label = 'copy:' // from%label(1:3)
    if (allocated(from%v)) to%v = 2 * from%v
  end subroutine
  subroutine drop_bag(b)
    type(bag), intent(inout) :: b
    if (allocated(b%v)) then
      write (*, '(a,a,a,i0)') 'final ', trim(b%label), ' size ', size(b%v)
    else
      write (*, '(a,a)') 'final ', trim(b%label)
    end if
  end subroutine
  real(8) function rect_area(s)
    class(rect), intent(in) :: s
    rect_area = s%w * s%h
  end function
  real(8) function circle_area(s)
    class(circle), intent(in) :: s
    circle_area = 3.0d0 * s%r ** 2
  end function
  subroutine use_bags()
    type(bag) :: a, b
    a%label = 'alpha'
    allocate (a%v(3))
    a%v = [1.5d0, -2.0d0, 4.25d0]
    b = a
    write (*, *) trim(b%label), b%v
  end subroutine

  subroutine run_features() bind(c, name='run_features')
    integer, allocatable :: iv(:)
    real(8), allocatable :: m(:, :), p(:, :)
    real(8) :: q(2, 3)
    character(len=40) :: line
    character(len=:), allocatable :: s
    class(shape), allocatable :: sh(:)
    integer :: i, n, loc(2)
    real(8) :: x
    complex :: z1, z2

    allocate (iv(10))
    iv = [(mod(i * 37, 11), i = 1, 10)]
    write (*, *) 'iv', iv, 'sum', sum(iv), 'maxloc', maxloc(iv), 'minval', minval(iv)
    m = reshape([(dble(i), i = 1, 6)], [2, 3])
    q = reshape([1d0, 0d0, -1d0, 2d0, 0.5d0, 3d0], [2, 3])
    p = matmul(m, transpose(q))
    write (*, *) 'matmul', p
    loc = maxloc(p)
    write (*, '(a,2i3,f10.4)') 'maxloc', loc, maxval(p)
    write (*, '(a,3f8.3)') 'sums', sum(m, dim=1)
    write (line, '(i5,1x,f9.3,1x,a)') 42, 3.14159d0, 'pi'
    write (*, '(a)') '[' // trim(line) // ']'
    read (line, *) n, x
    write (*, *) 'read back', n, x
    s = 'Hello, Pyodide'
    write (*, *) len(s), index(s, 'Py'), adjustr(s(1:6)) // '|', repeat('ab', 3)
    write (*, '(a)') trim(adjustl('   left')) // '|' // to_upper(s)
    write (*, *) 1.0d0 / 3.0d0, 2.5e-3, -7, .true., (1.5d0, -0.25d0)
    write (*, '(es15.7,1x,g12.5,1x,f0.3)') 6.02214076d23, 1.0d-5, 2.0d0 / 3.0d0
    allocate (sh(2), source=[rect(w=2, h=3), rect(w=1, h=0.5d0)])
    write (*, *) 'areas', (sh(i)%area(), i = 1, 2)
    deallocate (sh)
    allocate (circle :: sh(1))
    select type (c => sh(1))
    type is (circle)
      c%r = 2
    end select
    write (*, *) 'circle', sh(1)%area()
    z1 = (1.5, -0.75)
    z2 = (0.25, 2.0)
    write (*, '(a,12f9.4)') 'c4', z1 / z2, sqrt(z1), exp(z2), log(z1), z1 ** z2, z1 ** 3
    call use_bags()
    flush (6)
  end subroutine

  function to_upper(s) result(u)
    character(len=*), intent(in) :: s
    character(len=len(s)) :: u
    integer :: i
    u = s
    do i = 1, len(s)
      if (s(i:i) >= 'a' .and. s(i:i) <= 'z') u(i:i) = achar(iachar(s(i:i)) - 32)
    end do
  end function
end module
