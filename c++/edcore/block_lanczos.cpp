#include "block_lanczos.hpp"

#include <algorithm>
#include <cmath>

#include "errors.hpp"
#include "linalg.hpp"
#include "small_matrix.hpp"
#include "tridiagonal.hpp"

namespace edcore {

namespace {

/// Count of consecutive converged checks of the continued fraction at the probes: ``n_conv + 1`` when
/// ``max_i |F_i - prev_i| <= tol max_i |F_i|`` (``prev`` from the previous check), else 0.
int update_convergence(const std::vector<cplx> &F, const std::vector<cplx> &prev, double tol, int n_conv) {
  if (prev.empty()) return n_conv;
  double diff = 0.0, mag = 0.0;
  for (std::size_t i = 0; i < F.size(); ++i) {
    diff = std::max(diff, std::abs(F[i] - prev[i]));
    mag = std::max(mag, std::abs(F[i]));
  }
  return diff <= tol * mag ? n_conv + 1 : 0;
}

/// Gram-Schmidt QR with deflation: W (n x kin) = Q (n x kout) R (kout x kin, column-major);
/// directions with norm <= abs_tol after projection are dropped.
template <typename T>
void qr_deflate(std::size_t n, int kin, const T *W, std::vector<T> &Q, std::vector<T> &R, int &kout, double abs_tol) {
  std::vector<std::vector<T>> qs;
  std::vector<std::vector<T>> rcols(kin);
  std::vector<T> v(n);
  for (int c = 0; c < kin; ++c) {
    std::copy(W + static_cast<std::size_t>(c) * n, W + static_cast<std::size_t>(c + 1) * n, v.begin());
    std::vector<T> r(kin, T(0));
    for (int pass = 0; pass < 2; ++pass)
      for (std::size_t i = 0; i < qs.size(); ++i) {
        const T t = dot<T>(n, qs[i].data(), v.data());
        axpy<T>(n, -t, qs[i].data(), v.data());
        r[i] += t;
      }
    const double nv = std::sqrt(norm2<T>(n, v.data()));
    if (nv > abs_tol) {
      r[qs.size()] = nv;
      scal<T>(n, 1.0 / nv, v.data());
      qs.push_back(v);
    }
    rcols[c] = r;
  }
  kout = static_cast<int>(qs.size());
  Q.resize(n * kout);
  for (int i = 0; i < kout; ++i) std::copy(qs[i].begin(), qs[i].end(), Q.begin() + static_cast<std::size_t>(i) * n);
  R.assign(static_cast<std::size_t>(kout) * kin, T(0));
  for (int c = 0; c < kin; ++c)
    for (int i = 0; i < kout; ++i) R[i + static_cast<std::size_t>(c) * kout] = rcols[c][i];
}

/// F(z) = B0^+ [(z - s(T - e))^{-1}]_{11} B0 for the blocks A[0..J-1], B[0..J-2].
template <typename T>
std::vector<cplx> continued_fraction(cplx z, double s, double e, int k, int k1, const std::vector<T> &B0,
                                     const std::vector<std::vector<T>> &A, const std::vector<std::vector<T>> &B,
                                     const std::vector<int> &ks) {
  const int J = static_cast<int>(A.size());
  std::vector<cplx> X;  // inverse of the Schur complement of the block below
  for (int j = J - 1; j >= 0; --j) {
    const int kj = ks[j];
    std::vector<cplx> S(static_cast<std::size_t>(kj) * kj);
    for (int c = 0; c < kj; ++c)
      for (int r = 0; r < kj; ++r) S[r + c * kj] = (r == c ? z + s * e : cplx(0.0)) - s * cplx(A[j][r + c * kj]);
    if (j < J - 1) {
      const auto C = sandwich<T>(ks[j + 1], kj, B[j].data(), X);
      for (std::size_t i = 0; i < S.size(); ++i) S[i] -= C[i];
    }
    invert_small(kj, S.data());
    X.swap(S);
  }
  return sandwich<T>(k1, k, B0.data(), X);
}

/// The scalar case (one start vector, Matsubara-axis test only): the three-term recurrence on
/// preallocated vectors, \f$ F \f$ at the probes evaluated from the bottom of the continued
/// fraction in O(J) without allocations, the poles from QL on the real tridiagonal matrix.
/// Same operations as the block path with k = 1.
template <typename T>
PoleList<T> scalar_lanczos_poles(const SectorOperator<T> &h, const T *x, double e_n, int sign, const GfOptions &opt,
                                 long &matvecs, std::vector<std::string> &warnings) {
  PoleList<T> out;
  out.k = 1;
  const std::size_t n = h.dim();
  const double scale = std::max(h.norm_bound(), 1e-300);
  const double s = sign;
  const double b0 = std::sqrt(norm2<T>(n, x));
  if (b0 == 0.0) return out;
  std::vector<T> q(x, x + n), qprev(n, T(0)), w(n);
  scal<T>(n, 1.0 / b0, q.data());
  std::vector<double> alpha, beta;  // T_jj, T_{j+1,j}
  std::vector<cplx> F(opt.probes.size()), prevF;
  auto fraction = [&](cplx z) {  // b0^2 [(z - s(T - e_n))^-1]_00
    cplx X = 0.0;
    for (int j = static_cast<int>(alpha.size()) - 1; j >= 0; --j) {
      cplx S = z + s * e_n - s * alpha[j];
      if (j + 1 < static_cast<int>(alpha.size())) S -= beta[j] * beta[j] * X;
      X = 1.0 / S;
    }
    return b0 * b0 * X;
  };
  int n_conv = 0;
  bool converged = false, exhausted = false;
  for (int it = 0; it < opt.max_iter; ++it) {
    h.apply(q.data(), w.data());
    ++matvecs;
    if (it > 0) axpy<T>(n, T(-beta.back()), qprev.data(), w.data());
    double a = 0.0;
    for (int pass = 0; pass < 2; ++pass) {  // the second pass is a local reorthogonalization
      const double c = real_part(dot<T>(n, q.data(), w.data()));
      axpy<T>(n, T(-c), q.data(), w.data());
      a += c;
    }
    alpha.push_back(a);
    const double b = std::sqrt(norm2<T>(n, w.data()));
    exhausted = b <= 1e-12 * scale;
    beta.push_back(exhausted ? 0.0 : b);
    if ((it + 1) % 4 == 0 || exhausted || it + 1 == opt.max_iter) {
      for (std::size_t i = 0; i < opt.probes.size(); ++i) F[i] = fraction(cplx(0.0, opt.probes[i]));
      n_conv = update_convergence(F, prevF, opt.tol, n_conv);
      prevF = F;
      converged = n_conv >= 2;
    }
    if (exhausted || converged) break;
    std::swap(qprev, q);
    for (std::size_t i = 0; i < n; ++i) q[i] = w[i] / b;
  }
  if (!exhausted && !converged)
    warnings.push_back("Green's function Lanczos not converged after gf_max_iter = " + std::to_string(opt.max_iter) +
                       " steps (sector dimension " + std::to_string(n) + ")");
  const int N = static_cast<int>(alpha.size());
  std::vector<double> d(alpha), e(beta), z;
  tridiagonal_eigen(N, d.data(), e.data(), {0}, z);
  out.energies.resize(N);
  out.residues.resize(N);
  for (int p = 0; p < N; ++p) {
    out.energies[p] = s * (d[p] - e_n);
    out.residues[p] = T(b0 * b0 * z[p] * z[p]);
  }
  return out;
}

}  // namespace

template <typename T>
PoleList<T> block_lanczos_poles(const SectorOperator<T> &h, const T *x, int k, double e_n, int sign, const GfOptions &opt,
                                long &matvecs, std::vector<std::string> &warnings) {
  if (k == 1 && !(opt.real_eta > 0)) return scalar_lanczos_poles<T>(h, x, e_n, sign, opt, matvecs, warnings);
  PoleList<T> out;
  out.k = k;
  const std::size_t n = h.dim();
  const double scale = std::max(h.norm_bound(), 1e-300);
  const double s = sign;
  double xnorm = 0.0;
  for (int c = 0; c < k; ++c) xnorm = std::max(xnorm, std::sqrt(norm2<T>(n, x + static_cast<std::size_t>(c) * n)));
  if (xnorm == 0.0) return out;

  std::vector<T> Q, B0;
  int k1 = 0;
  qr_deflate<T>(n, k, x, Q, B0, k1, 1e-13 * xnorm);  // X = Q B0, B0: k1 x k
  if (k1 == 0) return out;

  std::vector<std::vector<T>> A, B;  // A_j (kj x kj); B_j (k_{j+1} x kj): Q_{j+1} B_j = residual of block j
  std::vector<int> ks{k1};
  std::vector<T> Qprev, W, Qnext, Bj, C;
  std::vector<cplx> prevF;
  int n_conv = 0;
  bool converged = false, exhausted = false;
  const int check_every = 4;
  int prev_J = 0;  // blocks at the previous check
  for (int it = 0; it < opt.max_iter; ++it) {
    const int kj = ks.back();
    W.resize(n * kj);
    for (int c = 0; c < kj; ++c) h.apply(Q.data() + static_cast<std::size_t>(c) * n, W.data() + static_cast<std::size_t>(c) * n);
    matvecs += kj;
    if (it > 0) {  // W -= Q_{j-1} B_{j-1}^+
      const int kp = ks[ks.size() - 2];
      const std::vector<T> &Bp = B.back();
      for (int c = 0; c < kj; ++c)
        for (int r = 0; r < kp; ++r)
          axpy<T>(n, -conj(Bp[c + static_cast<std::size_t>(r) * kj]), Qprev.data() + static_cast<std::size_t>(r) * n,
                  W.data() + static_cast<std::size_t>(c) * n);
    }
    // A_j = Q_j^+ W, W -= Q_j A_j, twice (the second pass is a local reorthogonalization).
    std::vector<T> Aj(static_cast<std::size_t>(kj) * kj, T(0));
    for (int pass = 0; pass < 2; ++pass) {
      C.assign(static_cast<std::size_t>(kj) * kj, T(0));
      for (int c = 0; c < kj; ++c)
        for (int r = 0; r < kj; ++r)
          C[r + static_cast<std::size_t>(c) * kj] =
              dot<T>(n, Q.data() + static_cast<std::size_t>(r) * n, W.data() + static_cast<std::size_t>(c) * n);
      for (int c = 0; c < kj; ++c)
        for (int r = 0; r < kj; ++r)
          axpy<T>(n, -C[r + static_cast<std::size_t>(c) * kj], Q.data() + static_cast<std::size_t>(r) * n,
                  W.data() + static_cast<std::size_t>(c) * n);
      for (std::size_t i = 0; i < C.size(); ++i) Aj[i] += C[i];
    }
    for (int c = 0; c < kj; ++c)
      for (int r = 0; r <= c; ++r) {
        const T v = 0.5 * (Aj[r + static_cast<std::size_t>(c) * kj] + conj(Aj[c + static_cast<std::size_t>(r) * kj]));
        Aj[r + static_cast<std::size_t>(c) * kj] = v;
        Aj[c + static_cast<std::size_t>(r) * kj] = conj(v);
      }
    A.push_back(Aj);
    int knext = 0;
    qr_deflate<T>(n, kj, W.data(), Qnext, Bj, knext, 1e-12 * scale);
    B.push_back(Bj);
    ks.push_back(knext);
    exhausted = knext == 0;
    const int every = n_conv < 2 ? check_every : 4 * check_every;  // the real-axis test is costlier
    if ((it + 1) % every == 0 || exhausted || it + 1 == opt.max_iter) {
      if (n_conv < 2) {
        // Stage 1: F at the imaginary probes.
        std::vector<cplx> F;
        for (double w : opt.probes) {
          const auto f = continued_fraction<T>(cplx(0.0, w), s, e_n, k, k1, B0, A, B, ks);
          F.insert(F.end(), f.begin(), f.end());
        }
        n_conv = update_convergence(F, prevF, opt.tol, n_conv);
        prevF.swap(F);
        converged = n_conv >= 2 && !(opt.real_eta > 0);
      } else {
        // Stage 2: F(w + i eta) on the real axis, across the spectrum, compared with the
        // continued fraction truncated at the previous check: the poles themselves have
        // converged (clusters of poles resolved), so real-frequency spectra are exact too.
        const int J = static_cast<int>(A.size());
        double lo = 1e300, hi = -1e300;
        for (int j = 0; j < J; ++j) {
          double radius = 0.0;
          for (const T &b : B[j]) radius = std::max(radius, std::abs(b));
          if (j > 0)
            for (const T &b : B[j - 1]) radius = std::max(radius, std::abs(b));
          for (int r = 0; r < ks[j]; ++r) {
            double row = 0.0;
            for (int c = 0; c < ks[j]; ++c) row += std::abs(A[j][r + c * ks[j]]);
            const double centre = real_part(A[j][r + r * ks[j]]);
            lo = std::min(lo, centre - (row - std::abs(centre)) - 2 * radius);
            hi = std::max(hi, centre + (row - std::abs(centre)) + 2 * radius);
          }
        }
        const std::vector<std::vector<T>> Ap(A.begin(), A.begin() + prev_J), Bp(B.begin(), B.begin() + prev_J);
        const std::vector<int> ksp(ks.begin(), ks.begin() + prev_J + 1);
        double diff = 0.0, mag = 0.0;
        const int n_grid = 256;
        for (int g = 0; g < n_grid; ++g) {
          const double x = lo + (hi - lo) * (g + 0.5) / n_grid;  // an energy of T
          const cplx z(s * (x - e_n), opt.real_eta);
          const auto f = continued_fraction<T>(z, s, e_n, k, k1, B0, A, B, ks);
          const auto fp = continued_fraction<T>(z, s, e_n, k, k1, B0, Ap, Bp, ksp);
          for (std::size_t i = 0; i < f.size(); ++i) {
            diff = std::max(diff, std::abs(f[i] - fp[i]));
            mag = std::max(mag, std::abs(f[i]));
          }
        }
        converged = diff <= opt.real_tol * mag;
      }
      prev_J = static_cast<int>(A.size());
    }
    if (exhausted || converged) break;
    Qprev.swap(Q);
    Q.swap(Qnext);
  }
  if (!exhausted && !converged)
    warnings.push_back("Green's function Lanczos not converged after gf_max_iter = " + std::to_string(opt.max_iter) +
                       " steps (sector dimension " + std::to_string(n) + ")");

  // Poles: eigenpairs of the block tridiagonal matrix.
  const int J = static_cast<int>(A.size());
  int N = 0;
  bool scalar = true;
  for (int j = 0; j < J; ++j) {
    N += ks[j];
    scalar = scalar && ks[j] == 1;
  }
  std::vector<double> lambda(N);
  std::vector<T> U1(static_cast<std::size_t>(k1) * N);  // first-block rows of the eigenvectors (k1 x N)
  if (scalar) {
    std::vector<double> d(N), e(std::max(N, 1), 0.0), z;
    for (int j = 0; j < J; ++j) {
      d[j] = real_part(A[j][0]);
      if (j + 1 < J) e[j] = real_part(B[j][0]);
    }
    tridiagonal_eigen(N, d.data(), e.data(), {0}, z);
    for (int p = 0; p < N; ++p) {
      lambda[p] = d[p];
      U1[p] = z[p];
    }
  } else {
    std::vector<T> Tm(static_cast<std::size_t>(N) * N, T(0));
    int off = 0;
    for (int j = 0; j < J; ++j) {
      const int kj = ks[j];
      for (int c = 0; c < kj; ++c)
        for (int r = 0; r < kj; ++r) Tm[(off + r) + static_cast<std::size_t>(off + c) * N] = A[j][r + c * kj];
      if (j + 1 < J) {
        const int kn = ks[j + 1];
        for (int c = 0; c < kj; ++c)
          for (int r = 0; r < kn; ++r) {
            const T b = B[j][r + c * kn];
            Tm[(off + kj + r) + static_cast<std::size_t>(off + c) * N] = b;
            Tm[(off + c) + static_cast<std::size_t>(off + kj + r) * N] = conj(b);
          }
      }
      off += kj;
    }
    heev<T>(N, Tm.data(), lambda.data());
    for (int p = 0; p < N; ++p)
      for (int r = 0; r < k1; ++r) U1[r + static_cast<std::size_t>(p) * k1] = Tm[r + static_cast<std::size_t>(p) * N];
  }
  out.energies.resize(N);
  out.residues.assign(static_cast<std::size_t>(N) * k * k, T(0));
  std::vector<T> v(k);
  for (int p = 0; p < N; ++p) {
    out.energies[p] = s * (lambda[p] - e_n);
    for (int c = 0; c < k; ++c) {
      T acc = 0;
      for (int r = 0; r < k1; ++r) acc += conj(B0[r + static_cast<std::size_t>(c) * k1]) * U1[r + static_cast<std::size_t>(p) * k1];
      v[c] = acc;
    }
    T *R = out.residues.data() + static_cast<std::size_t>(p) * k * k;
    for (int i = 0; i < k; ++i)
      for (int j = 0; j < k; ++j) R[i * k + j] = v[i] * conj(v[j]);
  }
  return out;
}

template PoleList<double> block_lanczos_poles<double>(const SectorOperator<double> &, const double *, int, double, int,
                                                      const GfOptions &, long &, std::vector<std::string> &);
template PoleList<cplx> block_lanczos_poles<cplx>(const SectorOperator<cplx> &, const cplx *, int, double, int,
                                                  const GfOptions &, long &, std::vector<std::string> &);

}  // namespace edcore
