#include "linalg.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

#include "errors.hpp"

namespace edcore {

namespace {
dsyevd_t g_dsyevd = nullptr;
zheevd_t g_zheevd = nullptr;
dgemm_t g_dgemm = nullptr;
zgemm_t g_zgemm = nullptr;
dsyevr_t g_dsyevr = nullptr;
zheevr_t g_zheevr = nullptr;
bool g_builtin = false;
}  // namespace

void set_lapack(dsyevd_t dsyevd, zheevd_t zheevd, dgemm_t dgemm, zgemm_t zgemm, dsyevr_t dsyevr, zheevr_t zheevr) {
  g_dsyevd = dsyevd;
  g_zheevd = zheevd;
  g_dgemm = dgemm;
  g_zgemm = zgemm;
  g_dsyevr = dsyevr;
  g_zheevr = zheevr;
}

bool lapack_registered() { return g_dsyevd != nullptr && g_zheevd != nullptr; }

void set_use_builtin(bool builtin) { g_builtin = builtin; }

// ---------------------------------------------------------------------------------------
// Cyclic Jacobi: rotations zero the off-diagonal elements one pair at a time until the
// off-diagonal norm is below machine precision relative to the matrix norm.
template <typename T> void jacobi_eigen(int n, T *a, double *w) {
  std::vector<T> v(static_cast<std::size_t>(n) * n, T(0));
  for (int i = 0; i < n; ++i) v[i + static_cast<std::size_t>(i) * n] = T(1);
  auto A = [&](int i, int j) -> T & { return a[i + static_cast<std::size_t>(j) * n]; };
  double total = 0;
  for (int j = 0; j < n; ++j)
    for (int i = 0; i < n; ++i) total += abs2(A(i, j));
  const double eps2 = 1e-30 * std::max(total, 1e-300);
  for (int sweep = 0; sweep < 100; ++sweep) {
    double off = 0;
    for (int j = 0; j < n; ++j)
      for (int i = 0; i < j; ++i) off += abs2(A(i, j));
    if (off <= eps2) break;
    for (int p = 0; p < n; ++p) {
      for (int q = p + 1; q < n; ++q) {
        const T apq = A(p, q);
        const double mag = std::sqrt(abs2(apq));
        if (mag == 0.0) continue;
        const double app = real_part(A(p, p)), aqq = real_part(A(q, q));
        // Phase e^{i phi} = apq / |apq| makes the 2x2 problem real symmetric.
        const T ph = apq / mag;
        const double theta = 0.5 * (aqq - app) / mag;
        const double t = (theta >= 0 ? 1.0 : -1.0) / (std::abs(theta) + std::sqrt(theta * theta + 1.0));
        const double c = 1.0 / std::sqrt(t * t + 1.0), s = t * c;
        // Rotation R acting on columns p, q: [p q] <- [c p - s conj(ph) q, s ph p + c q]
        for (int k = 0; k < n; ++k) {  // A <- A R
          const T akp = A(k, p), akq = A(k, q);
          A(k, p) = c * akp - s * conj(ph) * akq;
          A(k, q) = s * ph * akp + c * akq;
        }
        for (int k = 0; k < n; ++k) {  // A <- R^dagger A
          const T apk = A(p, k), aqk = A(q, k);
          A(p, k) = c * apk - s * ph * aqk;
          A(q, k) = s * conj(ph) * apk + c * aqk;
        }
        A(p, q) = T(0);
        A(q, p) = T(0);
        A(p, p) = real_part(A(p, p));
        A(q, q) = real_part(A(q, q));
        for (int k = 0; k < n; ++k) {  // V <- V R
          T &vkp = v[k + static_cast<std::size_t>(p) * n];
          T &vkq = v[k + static_cast<std::size_t>(q) * n];
          const T x = vkp, y = vkq;
          vkp = c * x - s * conj(ph) * y;
          vkq = s * ph * x + c * y;
        }
      }
    }
  }
  std::vector<int> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::vector<double> d(n);
  for (int i = 0; i < n; ++i) d[i] = real_part(A(i, i));
  std::stable_sort(order.begin(), order.end(), [&](int x, int y) { return d[x] < d[y]; });
  for (int j = 0; j < n; ++j) {
    w[j] = d[order[j]];
    for (int i = 0; i < n; ++i) a[i + static_cast<std::size_t>(j) * n] = v[i + static_cast<std::size_t>(order[j]) * n];
  }
}

template <> void heev<double>(int n, double *a, double *w) {
  if (n == 0) return;
  if (n == 1) {
    w[0] = a[0];
    a[0] = 1.0;
    return;
  }
  if (g_dsyevd == nullptr || g_builtin) return jacobi_eigen<double>(n, a, w);
  char jobz = 'V', uplo = 'L';
  int lwork = -1, liwork = -1, info = 0, iwq = 0;
  double wq = 0;
  g_dsyevd(&jobz, &uplo, &n, a, &n, w, &wq, &lwork, &iwq, &liwork, &info);
  lwork = static_cast<int>(wq) + 1;
  liwork = iwq + 1;
  std::vector<double> work(lwork);
  std::vector<int> iwork(liwork);
  g_dsyevd(&jobz, &uplo, &n, a, &n, w, work.data(), &lwork, iwork.data(), &liwork, &info);
  if (info != 0) throw numerical_error("LAPACK dsyevd failed (info = " + std::to_string(info) + ")");
}

template <> void heev<cplx>(int n, cplx *a, double *w) {
  if (n == 0) return;
  if (n == 1) {
    w[0] = a[0].real();
    a[0] = 1.0;
    return;
  }
  if (g_zheevd == nullptr || g_builtin) return jacobi_eigen<cplx>(n, a, w);
  char jobz = 'V', uplo = 'L';
  int lwork = -1, lrwork = -1, liwork = -1, info = 0, iwq = 0;
  cplx wq = 0;
  double rwq = 0;
  g_zheevd(&jobz, &uplo, &n, a, &n, w, &wq, &lwork, &rwq, &lrwork, &iwq, &liwork, &info);
  lwork = static_cast<int>(wq.real()) + 1;
  lrwork = static_cast<int>(rwq) + 1;
  liwork = iwq + 1;
  std::vector<cplx> work(lwork);
  std::vector<double> rwork(lrwork);
  std::vector<int> iwork(liwork);
  g_zheevd(&jobz, &uplo, &n, a, &n, w, work.data(), &lwork, rwork.data(), &lrwork, iwork.data(), &liwork, &info);
  if (info != 0) throw numerical_error("LAPACK zheevd failed (info = " + std::to_string(info) + ")");
}

// ---------------------------------------------------------------------------------------
namespace {
/// All eigenpairs (heev), then the columns with eigenvalues in (vl, vu].
template <typename T> void select_window(int n, T *a, double vl, double vu, std::vector<double> &w, std::vector<T> &z) {
  std::vector<double> all(n);
  heev<T>(n, a, all.data());
  w.clear();
  z.clear();
  for (int j = 0; j < n; ++j)
    if (all[j] > vl && all[j] <= vu) {
      w.push_back(all[j]);
      z.insert(z.end(), a + static_cast<std::size_t>(j) * n, a + static_cast<std::size_t>(j + 1) * n);
    }
}
}  // namespace

template <> void heev_window<double>(int n, double *a, double vl, double vu, std::vector<double> &w, std::vector<double> &z) {
  if (n <= 1 || g_dsyevr == nullptr || g_builtin) return select_window<double>(n, a, vl, vu, w, z);
  char jobz = 'V', range = 'V', uplo = 'L';
  int il = 0, iu = 0, m = 0, lwork = -1, liwork = -1, info = 0, iwq = 0;
  double abstol = 0.0, wq = 0.0;
  std::vector<double> ww(n);
  std::vector<int> isuppz(2 * static_cast<std::size_t>(n));
  double zq = 0.0;
  g_dsyevr(&jobz, &range, &uplo, &n, a, &n, &vl, &vu, &il, &iu, &abstol, &m, ww.data(), &zq, &n, isuppz.data(), &wq, &lwork,
           &iwq, &liwork, &info);
  lwork = static_cast<int>(wq) + 1;
  liwork = iwq + 1;
  std::vector<double> work(lwork), zz(static_cast<std::size_t>(n) * n);
  std::vector<int> iwork(liwork);
  g_dsyevr(&jobz, &range, &uplo, &n, a, &n, &vl, &vu, &il, &iu, &abstol, &m, ww.data(), zz.data(), &n, isuppz.data(),
           work.data(), &lwork, iwork.data(), &liwork, &info);
  if (info != 0) throw numerical_error("LAPACK dsyevr failed (info = " + std::to_string(info) + ")");
  w.assign(ww.begin(), ww.begin() + m);
  z.assign(zz.begin(), zz.begin() + static_cast<std::size_t>(m) * n);
}

template <> void heev_window<cplx>(int n, cplx *a, double vl, double vu, std::vector<double> &w, std::vector<cplx> &z) {
  if (n <= 1 || g_zheevr == nullptr || g_builtin) return select_window<cplx>(n, a, vl, vu, w, z);
  char jobz = 'V', range = 'V', uplo = 'L';
  int il = 0, iu = 0, m = 0, lwork = -1, lrwork = -1, liwork = -1, info = 0, iwq = 0;
  double abstol = 0.0, rwq = 0.0;
  cplx wq = 0.0, zq = 0.0;
  std::vector<double> ww(n);
  std::vector<int> isuppz(2 * static_cast<std::size_t>(n));
  g_zheevr(&jobz, &range, &uplo, &n, a, &n, &vl, &vu, &il, &iu, &abstol, &m, ww.data(), &zq, &n, isuppz.data(), &wq, &lwork,
           &rwq, &lrwork, &iwq, &liwork, &info);
  lwork = static_cast<int>(wq.real()) + 1;
  lrwork = static_cast<int>(rwq) + 1;
  liwork = iwq + 1;
  std::vector<cplx> work(lwork), zz(static_cast<std::size_t>(n) * n);
  std::vector<double> rwork(lrwork);
  std::vector<int> iwork(liwork);
  g_zheevr(&jobz, &range, &uplo, &n, a, &n, &vl, &vu, &il, &iu, &abstol, &m, ww.data(), zz.data(), &n, isuppz.data(),
           work.data(), &lwork, rwork.data(), &lrwork, iwork.data(), &liwork, &info);
  if (info != 0) throw numerical_error("LAPACK zheevr failed (info = " + std::to_string(info) + ")");
  w.assign(ww.begin(), ww.begin() + m);
  z.assign(zz.begin(), zz.begin() + static_cast<std::size_t>(m) * n);
}

namespace {
template <typename T>
void naive_ah_b(int m, int n, int k, const T *a, int lda, const T *b, int ldb, T *c, int ldc) {
  for (int j = 0; j < n; ++j)
    for (int i = 0; i < m; ++i)
      c[i + static_cast<std::size_t>(j) * ldc] = dot<T>(k, a + static_cast<std::size_t>(i) * lda, b + static_cast<std::size_t>(j) * ldb);
}
template <typename T>
void naive_a_b(int m, int n, int k, const T *a, int lda, const T *b, int ldb, T *c, int ldc) {
  for (int j = 0; j < n; ++j) {
    T *cj = c + static_cast<std::size_t>(j) * ldc;
    for (int i = 0; i < m; ++i) cj[i] = T(0);
    for (int l = 0; l < k; ++l) axpy<T>(m, b[l + static_cast<std::size_t>(j) * ldb], a + static_cast<std::size_t>(l) * lda, cj);
  }
}
// Small products are faster without the BLAS call overhead.
inline bool small_product(int m, int n, int k) { return static_cast<double>(m) * n * k < 4096.0; }
}  // namespace

template <> void gemm_ah_b<double>(int m, int n, int k, const double *a, int lda, const double *b, int ldb, double *c, int ldc) {
  if (m == 0 || n == 0) return;
  if (g_dgemm == nullptr || g_builtin || small_product(m, n, k) || k == 0) return naive_ah_b(m, n, k, a, lda, b, ldb, c, ldc);
  char ta = 'T', tb = 'N';
  double one = 1.0, zero = 0.0;
  g_dgemm(&ta, &tb, &m, &n, &k, &one, const_cast<double *>(a), &lda, const_cast<double *>(b), &ldb, &zero, c, &ldc);
}
template <> void gemm_ah_b<cplx>(int m, int n, int k, const cplx *a, int lda, const cplx *b, int ldb, cplx *c, int ldc) {
  if (m == 0 || n == 0) return;
  if (g_zgemm == nullptr || g_builtin || small_product(m, n, k) || k == 0) return naive_ah_b(m, n, k, a, lda, b, ldb, c, ldc);
  char ta = 'C', tb = 'N';
  cplx one = 1.0, zero = 0.0;
  g_zgemm(&ta, &tb, &m, &n, &k, &one, const_cast<cplx *>(a), &lda, const_cast<cplx *>(b), &ldb, &zero, c, &ldc);
}
template <> void gemm_a_b<double>(int m, int n, int k, const double *a, int lda, const double *b, int ldb, double *c, int ldc) {
  if (m == 0 || n == 0) return;
  if (g_dgemm == nullptr || g_builtin || small_product(m, n, k) || k == 0) return naive_a_b(m, n, k, a, lda, b, ldb, c, ldc);
  char ta = 'N', tb = 'N';
  double one = 1.0, zero = 0.0;
  g_dgemm(&ta, &tb, &m, &n, &k, &one, const_cast<double *>(a), &lda, const_cast<double *>(b), &ldb, &zero, c, &ldc);
}
template <> void gemm_a_b<cplx>(int m, int n, int k, const cplx *a, int lda, const cplx *b, int ldb, cplx *c, int ldc) {
  if (m == 0 || n == 0) return;
  if (g_zgemm == nullptr || g_builtin || small_product(m, n, k) || k == 0) return naive_a_b(m, n, k, a, lda, b, ldb, c, ldc);
  char ta = 'N', tb = 'N';
  cplx one = 1.0, zero = 0.0;
  g_zgemm(&ta, &tb, &m, &n, &k, &one, const_cast<cplx *>(a), &lda, const_cast<cplx *>(b), &ldb, &zero, c, &ldc);
}

template void jacobi_eigen<double>(int, double *, double *);
template void jacobi_eigen<cplx>(int, cplx *, double *);

}  // namespace edcore
