// Built-in dense eigensolver (Jacobi) and the tridiagonal QL solver.
#include <random>
#include <vector>

#include "check.hpp"
#include "edcore/linalg.hpp"
#include "edcore/tridiagonal.hpp"

using namespace edcore;

int main() {
  std::mt19937_64 rng(7);
  std::normal_distribution<double> g;
  for (int n : {1, 2, 5, 17}) {
    // complex hermitian: A U = U diag(w)
    std::vector<cplx> a(n * n), u;
    for (int i = 0; i < n; ++i)
      for (int j = 0; j <= i; ++j) {
        const cplx z(g(rng), i == j ? 0.0 : g(rng));
        a[i + j * n] = z;
        a[j + i * n] = std::conj(z);
      }
    u = a;
    std::vector<double> w(n);
    jacobi_eigen<cplx>(n, u.data(), w.data());
    double worst = 0.0;
    for (int p = 0; p < n; ++p) {
      if (p) CHECK(w[p] >= w[p - 1]);
      for (int i = 0; i < n; ++i) {
        cplx s = 0.0;
        for (int k = 0; k < n; ++k) s += a[i + k * n] * u[k + p * n];
        worst = std::max(worst, std::abs(s - w[p] * u[i + p * n]));
      }
    }
    CHECK_CLOSE(worst, 0.0, 1e-12);
  }
  // tridiagonal: eigenvalues and first row against the dense solver
  const int n = 30;
  std::vector<double> d(n), e(n), dense(n * n, 0.0);
  for (int i = 0; i < n; ++i) {
    d[i] = g(rng);
    e[i] = std::abs(g(rng));
    dense[i + i * n] = d[i];
    if (i + 1 < n) dense[(i + 1) + i * n] = dense[i + (i + 1) * n] = e[i];
  }
  std::vector<double> w(n), z;
  jacobi_eigen<double>(n, dense.data(), w.data());
  tridiagonal_eigen(n, d.data(), e.data(), {0, n - 1}, z);
  for (int p = 0; p < n; ++p) {
    CHECK_CLOSE(d[p], w[p], 1e-12);
    CHECK_CLOSE(std::abs(z[p]), std::abs(dense[0 + p * n]), 1e-10);
    CHECK_CLOSE(std::abs(z[n + p]), std::abs(dense[(n - 1) + p * n]), 1e-10);
  }
  // windowed eigensolver: exactly the eigenpairs in (vl, vu], degenerate pairs complete
  {
    const int m = 12;
    std::vector<double> a(m * m, 0.0), full;
    for (int i = 0; i < m; ++i) a[i + i * m] = (i / 2) * 0.5;  // doublets 0, 0.5, 1, ...
    for (int i = 0; i + 2 < m; i += 2) a[i + (i + 2) * m] = a[(i + 2) + i * m] = 0.1;  // same coupling in both copies
    full = a;
    std::vector<double> wall(m), w, z;
    jacobi_eigen<double>(m, full.data(), wall.data());
    std::vector<double> b = a;
    heev_window<double>(m, b.data(), -10.0, wall[5] + 1e-9, w, z);
    CHECK(w.size() == 6);
    for (std::size_t p = 0; p < w.size(); ++p) {
      CHECK_CLOSE(w[p], wall[p], 1e-12);
      double res = 0.0;
      for (int i = 0; i < m; ++i) {
        double s = 0.0;
        for (int k = 0; k < m; ++k) s += a[i + k * m] * z[k + p * m];
        res = std::max(res, std::abs(s - w[p] * z[i + p * m]));
      }
      CHECK_CLOSE(res, 0.0, 1e-12);
    }
  }
  std::printf("test_linalg: %d failure(s)\n", failures());
  return failures();
}
