#include "lanczos.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <random>
#include <string>

#include "errors.hpp"
#include "krylov_schur.hpp"
#include "lanczos_util.hpp"
#include "linalg.hpp"
#include "tridiagonal.hpp"

namespace edcore {

using detail::complement_below;
using detail::krylov_schur_run;
using detail::lanczos_advance;
using detail::lanczos_exhausted;
using detail::lanczos_step;
using detail::LanczosCoefficients;
using detail::LockedStates;
using detail::random_vector;

namespace {
constexpr double kCachedBasisBytes = 8.0 * 1024 * 1024;  // a Krylov-Schur basis up to this size stays in cache
}  // namespace

template <typename T>
LowestEstimate lanczos_probe(const SectorOperator<T> &h, double e_ref, double window, const EigenOptions &opt, int min_steps) {
  const std::size_t n = h.dim();
  const double scale = std::max(h.norm_bound(), 1e-300);
  if (n == 1) {
    T x = 1, y;
    h.apply(&x, &y);
    const double e = real_part(y);
    const bool below = e < e_ref + window;
    return {e, 0.0, below, 1, below ? 1.0 : 0.0, 0.0};
  }
  const auto t0 = std::chrono::steady_clock::now();
  auto seconds = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
  std::mt19937_64 rng(opt.seed ^ 0x9e3779b97f4a7c15ULL);
  std::vector<T> v(n), vp(n, T(0)), w(n);
  random_vector(rng, n, v.data());
  scal<T>(n, 1.0 / std::sqrt(norm2<T>(n, v.data())), v.data());
  std::vector<double> alpha, beta;
  double beta_prev = 0.0;
  long mv = 0;
  int next_check = 4;
  auto apply = [&](const T *x, T *y) {
    h.apply(x, y);
    ++mv;
  };
  for (long j = 0;; ++j) {
    const auto [a, b] = lanczos_step(n, apply, v.data(), j > 0 ? vp.data() : nullptr, beta_prev, w.data());
    alpha.push_back(a);
    beta.push_back(b);
    const int k = static_cast<int>(alpha.size());
    const bool exhausted = lanczos_exhausted(b, scale) || k >= static_cast<int>(n);
    if (k >= next_check || exhausted || mv >= opt.max_matvecs) {
      next_check = k + std::max(4, k / 8);
      std::vector<double> d(alpha), e(beta), z;
      tridiagonal_eigen(k, d.data(), e.data(), {0, k - 1}, z);  // z: row 0, then row k-1
      const double theta = d[0], r = exhausted ? 0.0 : b * std::abs(z[k]);
      if (theta < e_ref + window) {
        if (k >= min_steps || exhausted || mv >= opt.max_matvecs) {
          const double thr = std::min(e_ref, theta) + window;
          double weight = 0.0;
          int ritz_below = 0;
          for (int p = 0; p < k && d[p] < thr; ++p) {
            weight += z[p] * z[p];
            ++ritz_below;
          }
          // The quadrature needs enough nodes to resolve the window (else only the Ritz values count).
          const double quadrature = k >= std::min(20, static_cast<int>(n)) ? weight * static_cast<double>(n) : 0.0;
          const double count = std::max(static_cast<double>(ritz_below), quadrature);
          return {theta, r, true, mv, count, seconds() / static_cast<double>(mv)};
        }
      } else {
        if (r <= opt.tol * scale || exhausted) return {theta, r, false, mv, 0.0, seconds() / static_cast<double>(mv)};
        if (r <= opt.screen_tol * scale && theta - r >= e_ref + window)
          return {theta, r, false, mv, 0.0, seconds() / static_cast<double>(mv)};
        if (mv >= opt.max_matvecs)
          throw numerical_error("Lanczos (lowest eigenvalue) did not converge in " + std::to_string(mv) +
                                " iterations (residual " + std::to_string(r) + "); raise lanczos_max_matvecs");
      }
    }
    lanczos_advance(n, vp, v, w, b);
    beta_prev = b;
  }
}

namespace {

/// Two-pass Lanczos without a stored basis: pass 1 runs the three-term recurrence (orthogonal
/// to the locked states) until the wanted Ritz values have converged; pass 2 regenerates the
/// same Lanczos vectors (bitwise: same operations on the same data) and accumulates the Ritz
/// vectors; a Rayleigh-Ritz step on their span (which also removes the duplicated "ghost"
/// copies that loss of orthogonality produces) gives the eigenpairs with exactly computed
/// residuals.  Returns false when the run should be redone with full reorthogonalization.
template <typename T>
bool two_pass_run(const SectorOperator<T> &h, const LockedStates<T> &locked, double e_ref, double window,
                  double &e_min, const EigenOptions &opt, std::mt19937_64 &rng, long &matvecs, std::vector<Eigenpair<T>> &found) {
  const std::size_t n = h.dim();
  const double scale = std::max(h.norm_bound(), 1e-300);
  std::vector<T> v0(n), v(n), vp(n, T(0)), w(n);
  random_vector(rng, n, v0.data());
  locked.project(v0.data());
  const double nv = std::sqrt(norm2<T>(n, v0.data()));
  if (nv < 1e-8) return false;
  scal<T>(n, 1.0 / nv, v0.data());
  auto apply = [&](const T *x, T *y) {  // y = P H x, P the projection out of the locked states
    h.apply(x, y);
    ++matvecs;
    locked.project(y);
  };
  std::vector<double> alpha, beta;
  const long max_steps = std::min<long>(opt.max_matvecs / 2, 4000);
  std::copy(v0.begin(), v0.end(), v.begin());
  std::vector<int> wanted;
  double thr = 0.0, tol_abs = 0.0;
  bool exhausted = false;
  int next_check = 4;
  for (long j = 0;; ++j) {
    const auto [a, b] = lanczos_step(n, apply, v.data(), j ? vp.data() : nullptr, j ? beta.back() : 0.0, w.data());
    alpha.push_back(a);
    beta.push_back(b);
    const int k = static_cast<int>(alpha.size());
    exhausted = lanczos_exhausted(b, scale) || static_cast<std::size_t>(k) + locked.size() >= n;
    if (k >= next_check || exhausted) {
      next_check = k + std::max(4, k / 16);
      std::vector<double> d(alpha), e(beta), z;
      tridiagonal_eigen(k, d.data(), e.data(), {k - 1}, z);
      e_min = std::min(e_min, d[0]);
      thr = std::min(e_ref, e_min) + window;
      tol_abs = opt.tol * std::max({std::abs(d[0]), std::abs(d[k - 1]), 1e-300});
      // Stop as soon as the lowest Ritz value has converged (before loss of orthogonality
      // creates ghost copies of it); keep every converged Ritz value below the threshold.
      // Further states of the sector are found by the next run, orthogonal to these.
      const double r0 = exhausted ? 0.0 : b * std::abs(z[0]);
      const bool done = r0 <= 0.1 * tol_abs || (d[0] >= thr && r0 <= opt.screen_tol * scale && d[0] - r0 >= thr);
      wanted.clear();
      for (int p = 0; p < k && d[p] < thr; ++p)
        if (exhausted || b * std::abs(z[p]) <= 0.1 * tol_abs) wanted.push_back(p);
      if (done || exhausted) break;
    }
    if (j + 1 >= max_steps) return false;
    lanczos_advance(n, vp, v, w, b);
  }
  const int k = static_cast<int>(alpha.size());
  const int q = static_cast<int>(wanted.size());
  if (q == 0) return true;  // nothing below the threshold
  std::vector<double> d(alpha), e(beta), z;
  std::vector<int> rows(k);
  for (int i = 0; i < k; ++i) rows[i] = i;
  tridiagonal_eigen(k, d.data(), e.data(), rows, z);  // z[j * k + p] = U_jp
  // Pass 2: Y_p = sum_j U_jp v_j.
  std::vector<T> Y(n * q, T(0));
  std::copy(v0.begin(), v0.end(), v.begin());
  std::fill(vp.begin(), vp.end(), T(0));
  for (int j = 0; j < k; ++j) {
    for (int c = 0; c < q; ++c) axpy<T>(n, T(z[static_cast<std::size_t>(j) * k + wanted[c]]), v.data(), Y.data() + static_cast<std::size_t>(c) * n);
    if (j + 1 == k) break;
    const LanczosCoefficients known{alpha[j], beta[j]};
    lanczos_step(n, apply, v.data(), j ? vp.data() : nullptr, j ? beta[j - 1] : 0.0, w.data(), &known);
    lanczos_advance(n, vp, v, w, beta[j]);
  }
  // Orthonormalize (ghost copies of a converged vector deflate) and Rayleigh-Ritz.
  std::vector<T> Q;
  int r = 0;
  for (int c = 0; c < q; ++c) {
    T *y = Y.data() + static_cast<std::size_t>(c) * n;
    const double before = std::sqrt(norm2<T>(n, y));
    for (int pass = 0; pass < 2; ++pass) {
      for (int i = 0; i < r; ++i) axpy<T>(n, -dot<T>(n, Q.data() + static_cast<std::size_t>(i) * n, y), Q.data() + static_cast<std::size_t>(i) * n, y);
      locked.project(y);
    }
    const double after = std::sqrt(norm2<T>(n, y));
    if (after < 1e-6 * before) continue;
    scal<T>(n, 1.0 / after, y);
    Q.insert(Q.end(), y, y + n);
    ++r;
  }
  std::vector<T> HQ(n * r);
  for (int c = 0; c < r; ++c) {
    h.apply(Q.data() + static_cast<std::size_t>(c) * n, HQ.data() + static_cast<std::size_t>(c) * n);
    ++matvecs;
  }
  std::vector<T> S(static_cast<std::size_t>(r) * r);
  gemm_ah_b<T>(r, r, static_cast<int>(n), Q.data(), static_cast<int>(n), HQ.data(), static_cast<int>(n), S.data(), r);
  for (int c = 0; c < r; ++c)
    for (int i = 0; i <= c; ++i) {
      const T x = 0.5 * (S[i + static_cast<std::size_t>(c) * r] + conj(S[c + static_cast<std::size_t>(i) * r]));
      S[i + static_cast<std::size_t>(c) * r] = x;
      S[c + static_cast<std::size_t>(i) * r] = conj(x);
    }
  std::vector<double> theta(r);
  heev<T>(r, S.data(), theta.data());
  std::vector<T> Z(n * r), HZ(n * r);
  gemm_a_b<T>(static_cast<int>(n), r, r, Q.data(), static_cast<int>(n), S.data(), r, Z.data(), static_cast<int>(n));
  gemm_a_b<T>(static_cast<int>(n), r, r, HQ.data(), static_cast<int>(n), S.data(), r, HZ.data(), static_cast<int>(n));
  std::vector<Eigenpair<T>> out;
  for (int c = 0; c < r; ++c) {
    if (theta[c] >= thr) continue;
    T *zc = Z.data() + static_cast<std::size_t>(c) * n;
    T *hz = HZ.data() + static_cast<std::size_t>(c) * n;
    axpy<T>(n, T(-theta[c]), zc, hz);
    if (std::sqrt(norm2<T>(n, hz)) > tol_abs) return false;  // not accurate enough: redo with full reorthogonalization
    out.push_back({theta[c], std::vector<T>(zc, zc + n)});
  }
  found = std::move(out);
  return true;
}


}  // namespace

template <typename T>
std::vector<Eigenpair<T>> lanczos_low_states(const SectorOperator<T> &h, double e_ref, double window, double expected,
                                             const EigenOptions &opt, long &matvecs, std::vector<std::string> &warnings) {
  const std::size_t n = h.dim();
  const int m0 = static_cast<int>(std::min<std::size_t>(std::max(opt.krylov_dim, 8), n));
  // Largest Krylov-Schur basis the memory limit allows; a basis of about twice the wanted
  // states (plus a margin) converges them in a few thick restarts.
  const double per_vector = static_cast<double>(n) * sizeof(T);
  const int m_cap = static_cast<int>(std::max<double>(m0, std::min<double>(double(n), opt.max_basis_bytes / per_vector - 1.0)));
  auto basis_for = [&](double count) { return std::min(m_cap, std::max(m0, static_cast<int>(2.0 * count) + 24)); };
  // Few expected states: two-pass runs (O(n) work per step, a few states per run); many:
  // Krylov-Schur (O(n m) per step, all states in a few restarts).  Once the basis outgrows the
  // cache its Gram-Schmidt runs at memory speed, and two-pass runs stay cheaper up to more states.
  const std::size_t few = static_cast<double>(basis_for(expected)) * per_vector > kCachedBasisBytes ? 16 : 2;
  bool many = n <= static_cast<std::size_t>(4 * m0) || expected > double(few);
  LockedStates<T> locked(n);
  std::mt19937_64 rng(opt.seed ^ 0x2545f4914f6cdd1dULL);
  matvecs = 0;
  double e_min = std::numeric_limits<double>::infinity();

  for (;;) {
    if (locked.size() >= n) break;
    if (!many) {  // two-pass Lanczos: no stored basis, no reorthogonalization
      std::vector<Eigenpair<T>> found;
      if (two_pass_run(h, locked, e_ref, window, e_min, opt, rng, matvecs, found)) {
        if (found.empty()) break;
        for (auto &e : found) locked.add(e.energy, e.vector.data());
        if (locked.size() > opt.max_states)
          throw resource_limit_error("more than n_states_max = " + std::to_string(opt.max_states) +
                                     " states inside the Boltzmann window in one sector (dimension " + std::to_string(n) +
                                     "); raise n_states_max or boltzmann_cutoff");
        if (locked.size() > few) {  // more states than expected: one Krylov-Schur run for the rest
          many = true;
          expected = std::max(expected, 2.0 * double(locked.size()));
        }
        continue;  // the next run, orthogonal to the locked states, looks for more
      }
    }
    // Krylov-Schur with full reorthogonalization, basis sized for the states still expected.
    const int m = many ? basis_for(std::max(0.0, expected - double(locked.size()))) : m0;
    const std::size_t found_in_run = krylov_schur_run(h, locked, e_ref, window, e_min, m, opt, rng, matvecs, warnings);
    if (found_in_run == 0) break;  // this run found nothing new below the threshold
    // Another copy of a degenerate level (or a state the run missed) below the threshold?
    const double thr = std::min(e_ref, e_min) + window;
    if (!complement_below(h, locked, thr, opt, rng, matvecs)) break;
    many = true;
  }
  auto out = locked.sorted();
  // The threshold may have dropped during the search: keep only the states below the final one.
  const double thr = std::min(e_ref, out.empty() ? e_min : std::min(e_min, out.front().energy)) + window;
  out.erase(std::remove_if(out.begin(), out.end(), [&](const Eigenpair<T> &e) { return e.energy >= thr; }), out.end());
  return out;
}

template LowestEstimate lanczos_probe<double>(const SectorOperator<double> &, double, double, const EigenOptions &, int);
template LowestEstimate lanczos_probe<cplx>(const SectorOperator<cplx> &, double, double, const EigenOptions &, int);
template std::vector<Eigenpair<double>> lanczos_low_states<double>(const SectorOperator<double> &, double, double, double,
                                                                   const EigenOptions &, long &, std::vector<std::string> &);
template std::vector<Eigenpair<cplx>> lanczos_low_states<cplx>(const SectorOperator<cplx> &, double, double, double,
                                                               const EigenOptions &, long &, std::vector<std::string> &);

}  // namespace edcore
