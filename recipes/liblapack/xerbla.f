*     XERBLA for kiln's liblapack: instead of printing and STOPping (which
*     would end the whole Pyodide runtime), record the routine name and
*     the argument number in the C error state (kiln_lapack.c) and return.
*     LAPACK routines return right after calling XERBLA (INFO < 0); the
*     caller asks kiln_lapack_error(). The name crosses as character codes
*     in an INTEGER array, so no hidden CHARACTER length is in the interface.
      SUBROUTINE XERBLA( SRNAME, INFO )
      CHARACTER*(*)      SRNAME
      INTEGER            INFO
      INTERFACE
         SUBROUTINE KILN_LAPACK_XERBLA( CODES, N, INFO )
     $      BIND( C, NAME = 'kiln_lapack_xerbla' )
         USE, INTRINSIC :: ISO_C_BINDING
         INTEGER( C_INT ) CODES( * )
         INTEGER( C_INT ), VALUE :: N
         INTEGER( C_INT ), VALUE :: INFO
         END SUBROUTINE
      END INTERFACE
      INTEGER            CODES( 32 ), I, N
      N = MIN( LEN_TRIM( SRNAME ), 32 )
      DO 10 I = 1, N
         CODES( I ) = ICHAR( SRNAME( I:I ) )
   10 CONTINUE
      CALL KILN_LAPACK_XERBLA( CODES, N, INFO )
      RETURN
      END
