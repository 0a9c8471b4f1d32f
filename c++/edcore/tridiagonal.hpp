#pragma once
/// @file tridiagonal.hpp
/// @brief Eigenproblem of a real symmetric tridiagonal matrix (implicit QL with Wilkinson shifts).
///
/// \f$ T = \begin{pmatrix} d_0 & e_0 \\ e_0 & d_1 & e_1 \\ & \ddots & \ddots \end{pmatrix}
///     = U\,\mathrm{diag}(\lambda)\,U^T \f$.
/// Only the requested rows of \f$ U \f$ are accumulated: the first row gives the weights of
/// a continued fraction (\f$ w_p = U_{0p}^2 \f$), the last row the Lanczos residuals, all rows
/// the Ritz vectors.  Cost \f$ O(n^2 \cdot n_\mathrm{rows}/n) \f$ per sweep.
#include <vector>

namespace edcore {

/// Eigenvalues (ascending, written to `d`) and rows `rows` of the eigenvector matrix.
/// `e` has n-1 (or more) entries; it is destroyed.  `z` receives, for each requested row r
/// (in the order given), the n entries \f$ U_{r p} \f$, p = 0..n-1 (row-major, n per row).
void tridiagonal_eigen(int n, double *d, double *e, const std::vector<int> &rows, std::vector<double> &z);

}  // namespace edcore
