#pragma once
/// @file linalg.hpp
/// @brief Dense linear algebra: hermitian eigensolver and matrix products.
///
/// LAPACK/BLAS are not linked: the caller may register function pointers at run time
/// (the Python layer takes them from scipy's `cython_lapack` / `cython_blas`), which keeps
/// the library free of any link-time dependency.  Without registered pointers, built-in
/// fallbacks are used (cyclic Jacobi for the eigenproblem, a blocked loop for products);
/// they are exact to machine precision, only slower.
///
/// All matrices are column-major.
#include <cstddef>
#include <vector>

#include "scalar.hpp"

namespace edcore {

/// LAPACK `dsyevd` as exported by scipy's `cython_lapack` (32-bit integers, C calling convention).
using dsyevd_t = void (*)(char *, char *, int *, double *, int *, double *, double *, int *, int *, int *, int *);
/// LAPACK `zheevd`.
using zheevd_t = void (*)(char *, char *, int *, cplx *, int *, double *, cplx *, int *, double *, int *, int *, int *,
                          int *);
/// LAPACK `dsyevr` (selected eigenpairs by the MRRR algorithm).
using dsyevr_t = void (*)(char *, char *, char *, int *, double *, int *, double *, double *, int *, int *, double *, int *,
                          double *, double *, int *, int *, double *, int *, int *, int *, int *);
/// LAPACK `zheevr`.
using zheevr_t = void (*)(char *, char *, char *, int *, cplx *, int *, double *, double *, int *, int *, double *, int *,
                          double *, cplx *, int *, int *, cplx *, int *, double *, int *, int *, int *, int *);
/// BLAS `dgemm`.
using dgemm_t = void (*)(char *, char *, int *, int *, int *, double *, double *, int *, double *, int *, double *,
                         double *, int *);
/// BLAS `zgemm`.
using zgemm_t = void (*)(char *, char *, int *, int *, int *, cplx *, cplx *, int *, cplx *, int *, cplx *, cplx *,
                         int *);

/// Register LAPACK/BLAS function pointers (any may be null: the built-in fallback is used).
void set_lapack(dsyevd_t dsyevd, zheevd_t zheevd, dgemm_t dgemm, zgemm_t zgemm, dsyevr_t dsyevr = nullptr,
                zheevr_t zheevr = nullptr);

/// True when LAPACK `dsyevd` and `zheevd` are registered.
bool lapack_registered();

/// Force the built-in fallbacks even when pointers are registered (for tests).
void set_use_builtin(bool builtin);

/// Hermitian eigenproblem \f$ A = U \,\mathrm{diag}(w)\, U^\dagger \f$ of an n x n column-major matrix.
/// On return `a` holds the eigenvectors (columns) and `w` the eigenvalues in ascending order.
template <typename T> void heev(int n, T *a, double *w);

/// The eigenpairs of a hermitian n x n column-major matrix `a` (destroyed) with eigenvalues in
/// \f$ (v_l, v_u] \f$ (LAPACK `dsyevr`/`zheevr`: Householder tridiagonalization, then only the
/// wanted eigenpairs by the MRRR algorithm, \f$ \frac{4}{3} n^3 + O(n^2 m) \f$ operations for m
/// pairs instead of about \f$ 4 n^3 \f$ for all of them).  Returns the eigenvalues (ascending)
/// in `w` and the eigenvectors in `z` (n x w.size(), column-major).  Without a registered
/// `dsyevr`/`zheevr`, all eigenpairs are computed (heev) and the wanted ones selected.
template <typename T> void heev_window(int n, T *a, double vl, double vu, std::vector<double> &w, std::vector<T> &z);

/// \f$ C = A^\dagger B \f$ with A (k x m, lda), B (k x n, ldb), C (m x n, ldc), all column-major.
template <typename T> void gemm_ah_b(int m, int n, int k, const T *a, int lda, const T *b, int ldb, T *c, int ldc);

/// \f$ C = A B \f$ with A (m x k, lda), B (k x n, ldb), C (m x n, ldc), all column-major.
template <typename T> void gemm_a_b(int m, int n, int k, const T *a, int lda, const T *b, int ldb, T *c, int ldc);

/// Built-in cyclic Jacobi eigensolver (used as fallback; exposed for tests).
template <typename T> void jacobi_eigen(int n, T *a, double *w);

}  // namespace edcore
