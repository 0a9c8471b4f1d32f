#include "tridiagonal.hpp"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <numeric>

#include "errors.hpp"

namespace edcore {

namespace {
/// \f$ \sqrt{a^2 + b^2} \f$: the plain formula (a few times faster than std::hypot) where no
/// square can overflow or underflow, std::hypot otherwise.
inline double radius(double a, double b) {
  const double m = std::max(std::abs(a), std::abs(b));
  if (m > 1e150 || m < 1e-150) return std::hypot(a, b);
  return std::sqrt(a * a + b * b);
}
}  // namespace

void tridiagonal_eigen(int n, double *d, double *e, const std::vector<int> &rows, std::vector<double> &z) {
  const int nr = static_cast<int>(rows.size());
  z.assign(static_cast<std::size_t>(nr) * n, 0.0);
  for (int k = 0; k < nr; ++k) z[static_cast<std::size_t>(k) * n + rows[k]] = 1.0;
  if (n <= 0) return;
  std::vector<double> ee(n, 0.0);
  for (int i = 0; i + 1 < n; ++i) ee[i] = e[i];
  for (int l = 0; l < n; ++l) {
    int iter = 0, m;
    do {
      for (m = l; m < n - 1; ++m) {
        const double dd = std::abs(d[m]) + std::abs(d[m + 1]);
        if (std::abs(ee[m]) <= DBL_EPSILON * dd) break;
      }
      if (m != l) {
        if (iter++ == 100) throw numerical_error("tridiagonal eigenproblem: no convergence after 100 QL sweeps");
        double g = (d[l + 1] - d[l]) / (2.0 * ee[l]);
        double r = radius(g, 1.0);
        g = d[m] - d[l] + ee[l] / (g + (g >= 0 ? std::abs(r) : -std::abs(r)));
        double s = 1.0, c = 1.0, p = 0.0;
        int i;
        bool underflow = false;
        for (i = m - 1; i >= l; --i) {
          double f = s * ee[i];
          const double b = c * ee[i];
          r = radius(f, g);
          ee[i + 1] = r;
          if (r == 0.0) {
            d[i + 1] -= p;
            ee[m] = 0.0;
            underflow = true;
            break;
          }
          s = f / r;
          c = g / r;
          g = d[i + 1] - p;
          r = (d[i] - g) * s + 2.0 * c * b;
          p = s * r;
          d[i + 1] = g + p;
          g = c * r - b;
          for (int k = 0; k < nr; ++k) {
            double *zk = z.data() + static_cast<std::size_t>(k) * n;
            f = zk[i + 1];
            zk[i + 1] = s * zk[i] + c * f;
            zk[i] = c * zk[i] - s * f;
          }
        }
        if (underflow) continue;
        d[l] -= p;
        ee[l] = g;
        ee[m] = 0.0;
      }
    } while (m != l);
  }
  // Sort ascending, permuting the columns of the stored rows.
  std::vector<int> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return d[a] < d[b]; });
  std::vector<double> dd(d, d + n), zz(z);
  for (int p = 0; p < n; ++p) {
    d[p] = dd[order[p]];
    for (int k = 0; k < nr; ++k) z[static_cast<std::size_t>(k) * n + p] = zz[static_cast<std::size_t>(k) * n + order[p]];
  }
}

}  // namespace edcore
