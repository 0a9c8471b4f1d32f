#pragma once
/// @file small_matrix.hpp
/// @brief Products and inverse of small dense complex matrices (column-major), for block
/// continued fractions.
#include <cmath>
#include <utility>
#include <vector>

#include "errors.hpp"
#include "scalar.hpp"

namespace edcore {

/// In-place inverse of an n x n matrix (Gauss-Jordan with partial pivoting).
inline void invert_small(int n, cplx *a) {
  if (n == 1) {
    a[0] = 1.0 / a[0];
    return;
  }
  std::vector<int> piv(n);
  auto A = [&](int i, int j) -> cplx & { return a[i + j * n]; };
  std::vector<cplx> inv(static_cast<std::size_t>(n) * n, 0.0);
  auto I = [&](int i, int j) -> cplx & { return inv[i + j * n]; };
  for (int i = 0; i < n; ++i) I(i, i) = 1.0;
  for (int c = 0; c < n; ++c) {
    int p = c;
    for (int r = c + 1; r < n; ++r)
      if (std::abs(A(r, c)) > std::abs(A(p, c))) p = r;
    if (A(p, c) == 0.0) throw numerical_error("singular matrix in a block continued fraction");
    if (p != c)
      for (int j = 0; j < n; ++j) {
        std::swap(A(p, j), A(c, j));
        std::swap(I(p, j), I(c, j));
      }
    const cplx d = 1.0 / A(c, c);
    for (int j = 0; j < n; ++j) {
      A(c, j) *= d;
      I(c, j) *= d;
    }
    for (int r = 0; r < n; ++r) {
      if (r == c) continue;
      const cplx f = A(r, c);
      if (f == 0.0) continue;
      for (int j = 0; j < n; ++j) {
        A(r, j) -= f * A(c, j);
        I(r, j) -= f * I(c, j);
      }
    }
  }
  std::copy(inv.begin(), inv.end(), a);
}

/// \f$ C = B^\dagger X B \f$ with B (m x n), X (m x m): C is n x n.
template <typename T> std::vector<cplx> sandwich(int m, int n, const T *b, const std::vector<cplx> &x) {
  std::vector<cplx> xb(static_cast<std::size_t>(m) * n, 0.0), c(static_cast<std::size_t>(n) * n, 0.0);
  for (int j = 0; j < n; ++j)
    for (int l = 0; l < m; ++l) {
      const cplx blj = b[l + j * m];
      if (blj == 0.0) continue;
      for (int i = 0; i < m; ++i) xb[i + j * m] += x[i + l * m] * blj;
    }
  for (int j = 0; j < n; ++j)
    for (int i = 0; i < n; ++i) {
      cplx s = 0.0;
      for (int l = 0; l < m; ++l) s += conj(cplx(b[l + i * m])) * xb[l + j * m];
      c[i + j * n] = s;
    }
  return c;
}

}  // namespace edcore
