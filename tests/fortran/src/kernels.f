C     BLAS-like kernels in fixed form (F77): dot product, axpy, matrix
C     multiply. Column-major, unit strides, no early exits.
      DOUBLE PRECISION FUNCTION KDOT(N, X, Y)
      INTEGER N, I
      DOUBLE PRECISION X(*), Y(*), S
      S = 0.0D0
      DO 10 I = 1, N
         S = S + X(I)*Y(I)
   10 CONTINUE
      KDOT = S
      END

      SUBROUTINE KAXPY(N, A, X, Y)
      INTEGER N, I
      DOUBLE PRECISION A, X(*), Y(*)
      DO 10 I = 1, N
         Y(I) = Y(I) + A*X(I)
   10 CONTINUE
      END

      SUBROUTINE KGEMM(M, N, K, ALPHA, A, LDA, B, LDB, BETA, C, LDC)
      INTEGER M, N, K, LDA, LDB, LDC, I, J, L
      DOUBLE PRECISION ALPHA, BETA, A(LDA,*), B(LDB,*), C(LDC,*), T
      DO 30 J = 1, N
         DO 5 I = 1, M
            C(I,J) = BETA*C(I,J)
    5    CONTINUE
         DO 20 L = 1, K
            T = ALPHA*B(L,J)
            DO 10 I = 1, M
               C(I,J) = C(I,J) + T*A(I,L)
   10       CONTINUE
   20    CONTINUE
   30 CONTINUE
      END
