// OpenBLAS from Debian's libopenblas-dev: CBLAS, the OpenBLAS thread controls, and the LAPACK routines that
// OpenBLAS carries (declared here because Debian ships no LAPACKE header with it).
#include <cblas.h>

void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
char *openblas_get_corename(void);

// Symmetric eigendecomposition (divide and conquer), Fortran calling convention.
void dsyevd_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda, double *w,
             double *work, const int *lwork, int *iwork, const int *liwork, int *info);
