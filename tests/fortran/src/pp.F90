! Preprocessed free form: the function's name depends on -D.
#ifdef KILN_FLAVOUR
#define NAME flavoured
#else
#define NAME plain
#endif
integer function NAME(i) bind(c)
  integer, value :: i
  NAME = i * __LINE__
end function
