#include "krylov_schur.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "errors.hpp"
#include "tridiagonal.hpp"

namespace edcore::detail {

template <typename T>
std::size_t krylov_schur_run(const SectorOperator<T> &h, LockedStates<T> &locked, double e_ref, double window, double &e_min,
                             int m, const EigenOptions &opt, std::mt19937_64 &rng, long &matvecs,
                             std::vector<std::string> &warnings) {
  const std::size_t n = h.dim();
  if (locked.size() >= n) return 0;
  const double scale = std::max(h.norm_bound(), 1e-300);
  m = static_cast<int>(std::min<std::size_t>(std::max(m, 2), n - locked.size()));
  const int ni = static_cast<int>(n);
  std::vector<T> V(n * (m + 1), T(0)), w(n), coef, tmp;
  std::vector<T> S(static_cast<std::size_t>(m) * m, T(0));  // V^+ H V, column-major
  auto SS = [&](int i, int j) -> T & { return S[i + static_cast<std::size_t>(j) * m]; };
  auto col = [&](int j) { return V.data() + static_cast<std::size_t>(j) * n; };
  // Fresh random start orthogonal to every locked state.
  random_vector(rng, n, col(0));
  locked.project(col(0));
  const double nv = std::sqrt(norm2<T>(n, col(0)));
  if (nv < 1e-8 * std::sqrt(double(n))) return 0;
  scal<T>(n, 1.0 / nv, col(0));

  int j = 0;                 // columns 0..j-1 expanded; column j is the next to expand
  bool restarted = false;    // S is tridiagonal until the first thick restart
  int next_check = 8;        // steps of the (cheap) tridiagonal convergence test before a restart
  std::size_t found = 0;
  for (;;) {
    // Expand the basis up to m columns.
    const int first = j;  // its couplings to the kept Ritz vectors are found by Gram-Schmidt
    double b = 0.0;
    bool exhausted = false;
    while (j < m) {
      h.apply(col(j), w.data());
      ++matvecs;
      // The Lanczos recurrence removes the large components (beta_{j-1} v_{j-1}, alpha_j v_j);
      // Gram-Schmidt against the whole basis and the locked states removes the rest.
      T prev = T(0), alpha = T(0);
      if (j > first) {
        prev = SS(j - 1, j);
        axpy<T>(n, -prev, col(j - 1), w.data());
        alpha = real_part(dot<T>(n, col(j), w.data()));
        axpy<T>(n, -alpha, col(j), w.data());
      }
      project_out(n, j + 1, V.data(), w.data(), coef, tmp);
      locked.project(w.data());
      coef[j] += alpha;
      if (j > first) coef[j - 1] += prev;
      for (int i = 0; i < j; ++i) {
        SS(i, j) = coef[i];
        SS(j, i) = conj(coef[i]);
      }
      SS(j, j) = real_part(coef[j]);
      b = std::sqrt(norm2<T>(n, w.data()));
      ++j;
      exhausted = lanczos_exhausted(b, scale) || static_cast<std::size_t>(j) + locked.size() >= n;
      if (exhausted) break;
      for (std::size_t i = 0; i < n; ++i) col(j)[i] = w[i] / b;
      if (j < m) {
        SS(j, j - 1) = b;
        SS(j - 1, j) = b;
      }
      if (!restarted && j >= next_check && j < m) {
        // Tridiagonal phase: Ritz values and last-row residuals in O(j^2); stop early when
        // everything below the threshold (and the first value above it) has converged.
        next_check = j + std::max(8, j / 4);
        std::vector<double> d(j), e(j, 0.0), z;
        for (int i = 0; i < j; ++i) d[i] = real_part(SS(i, i));
        for (int i = 0; i + 1 < j; ++i) e[i] = real_part(SS(i + 1, i));
        tridiagonal_eigen(j, d.data(), e.data(), {j - 1}, z);
        const double thr = std::min(e_ref, std::min(e_min, d[0])) + window;
        const double tol = opt.tol * std::max({std::abs(d[0]), std::abs(d[j - 1]), 1e-300});
        bool ok = true;
        for (int p = 0; p < j && ok; ++p) {
          const double r = b * std::abs(z[p]);
          if (d[p] < thr) ok = r <= tol;
          else {
            ok = r <= tol || (r <= opt.screen_tol * scale && d[p] - r >= thr);
            break;
          }
        }
        if (ok) break;
      }
    }
    const int k = j;
    // Ritz pairs of S_k.
    std::vector<T> Yk(static_cast<std::size_t>(k) * k);
    for (int c = 0; c < k; ++c)
      for (int r = 0; r < k; ++r) Yk[r + static_cast<std::size_t>(c) * k] = SS(r, c);
    std::vector<double> theta(k);
    heev<T>(k, Yk.data(), theta.data());
    auto yk = [&](int r, int p) { return Yk[r + static_cast<std::size_t>(p) * k]; };
    std::vector<double> res(k);
    for (int p = 0; p < k; ++p) res[p] = exhausted ? 0.0 : b * std::sqrt(abs2(yk(k - 1, p)));
    e_min = std::min(e_min, theta[0]);
    const double thr = std::min(e_ref, e_min) + window;
    const double tol = opt.tol * std::max({std::abs(theta[0]), std::abs(theta[k - 1]), 1e-300});
    std::vector<int> conv, rest;  // converged wanted; all others (ascending)
    bool all_conv = true, fu_ok = true;
    int first_unwanted = -1;
    for (int p = 0; p < k; ++p) {
      if (theta[p] < thr) {
        if (res[p] <= tol) conv.push_back(p);
        else {
          all_conv = false;
          rest.push_back(p);
        }
      } else {
        if (first_unwanted < 0) {
          first_unwanted = p;
          fu_ok = res[p] <= tol || (res[p] <= opt.screen_tol * scale && theta[p] - res[p] >= thr);
        }
        rest.push_back(p);
      }
    }
    bool done = exhausted || (all_conv && fu_ok);
    if (!done && matvecs >= opt.max_matvecs) {
      warnings.push_back("Lanczos eigensolver stopped after " + std::to_string(matvecs) +
                         " matrix-vector products with unconverged states (raise lanczos_max_matvecs)");
      for (int p : rest)
        if (theta[p] < thr) conv.push_back(p);  // keep the best estimates
      done = true;
    }
    // Lock the converged wanted Ritz pairs: x_p = V_k y_p.
    if (!conv.empty()) {
      const int nc = static_cast<int>(conv.size());
      std::vector<T> U(static_cast<std::size_t>(k) * nc), X(n * nc);
      for (int q = 0; q < nc; ++q)
        for (int r = 0; r < k; ++r) U[r + static_cast<std::size_t>(q) * k] = yk(r, conv[q]);
      gemm_a_b<T>(ni, nc, k, V.data(), ni, U.data(), k, X.data(), ni);
      for (int q = 0; q < nc; ++q) {
        T *x = X.data() + static_cast<std::size_t>(q) * n;
        locked.project(x);
        scal<T>(n, 1.0 / std::sqrt(norm2<T>(n, x)), x);
        locked.add(theta[conv[q]], x);
      }
      found += conv.size();
      if (locked.size() > opt.max_states)
        throw resource_limit_error("more than n_states_max = " + std::to_string(opt.max_states) +
                                   " states inside the Boltzmann window in one sector (dimension " + std::to_string(n) +
                                   "); raise n_states_max or boltzmann_cutoff");
    }
    if (done) break;
    // Thick restart: keep the unconverged wanted Ritz vectors and the lowest others, so that
    // each cycle adds at least a quarter of the basis.
    int n_unconv = 0;
    for (int p : rest) n_unconv += theta[p] < thr ? 1 : 0;
    const int room = std::max(2, m / 4);
    int nk = std::max(std::min(m / 2, static_cast<int>(rest.size())), n_unconv + std::max(4, (m - n_unconv) / 3));
    nk = std::min({nk, static_cast<int>(rest.size()), m - room});
    nk = std::max(nk, 1);
    std::vector<T> U(static_cast<std::size_t>(k) * nk), Vk(n * nk);
    for (int q = 0; q < nk; ++q)
      for (int r = 0; r < k; ++r) U[r + static_cast<std::size_t>(q) * k] = yk(r, rest[q]);
    gemm_a_b<T>(ni, nk, k, V.data(), ni, U.data(), k, Vk.data(), ni);
    std::copy(V.begin() + static_cast<std::size_t>(k) * n, V.begin() + static_cast<std::size_t>(k + 1) * n,
              V.begin() + static_cast<std::size_t>(nk) * n);  // the residual direction becomes column nk
    std::copy(Vk.begin(), Vk.end(), V.begin());
    T *vr = col(nk);
    project_out(n, nk, V.data(), vr, coef, tmp);
    locked.project(vr);
    scal<T>(n, 1.0 / std::sqrt(norm2<T>(n, vr)), vr);
    std::fill(S.begin(), S.end(), T(0));
    for (int q = 0; q < nk; ++q) SS(q, q) = theta[rest[q]];  // the couplings to column nk follow from its expansion
    j = nk;
    restarted = true;
  }
  return found;
}

/// Plain Lanczos on P H P (P projects out the locked states), no stored basis.
template <typename T>
bool complement_below(const SectorOperator<T> &h, const LockedStates<T> &locked, double thr, const EigenOptions &opt,
                      std::mt19937_64 &rng, long &matvecs) {
  const std::size_t n = h.dim();
  if (locked.size() >= n) return false;
  const double scale = std::max(h.norm_bound(), 1e-300);
  std::vector<T> v(n), vp(n, T(0)), w(n);
  random_vector(rng, n, v.data());
  locked.project(v.data());
  const double nv = std::sqrt(norm2<T>(n, v.data()));
  if (nv < 1e-8) return false;
  scal<T>(n, 1.0 / nv, v.data());
  std::vector<double> alpha, beta;
  double beta_prev = 0.0;
  int next_check = 4;
  auto apply = [&](const T *x, T *y) {  // y = P H x, P the projection out of the locked states
    h.apply(x, y);
    ++matvecs;
    locked.project(y);
  };
  for (long j = 0;; ++j) {
    const auto [a, b] = lanczos_step(n, apply, v.data(), j > 0 ? vp.data() : nullptr, beta_prev, w.data());
    alpha.push_back(a);
    beta.push_back(b);
    const int k = static_cast<int>(alpha.size());
    const bool exhausted = lanczos_exhausted(b, scale) || static_cast<std::size_t>(k) + locked.size() >= n;
    if (k >= next_check || exhausted || j + 1 >= opt.max_matvecs) {
      next_check = k + std::max(4, k / 8);
      std::vector<double> d(alpha), e(beta), z;
      tridiagonal_eigen(k, d.data(), e.data(), {k - 1}, z);
      const double theta = d[0], r = exhausted ? 0.0 : b * std::abs(z[0]);
      if (theta < thr) return true;
      if (exhausted || r <= opt.tol * scale) return false;
      if (r <= opt.screen_tol * scale && theta - r >= thr) return false;
      if (j + 1 >= opt.max_matvecs) return false;
    }
    lanczos_advance(n, vp, v, w, b);
    beta_prev = b;
  }
}

template std::size_t krylov_schur_run<double>(const SectorOperator<double> &, LockedStates<double> &, double, double, double &,
                                              int, const EigenOptions &, std::mt19937_64 &, long &, std::vector<std::string> &);
template std::size_t krylov_schur_run<cplx>(const SectorOperator<cplx> &, LockedStates<cplx> &, double, double, double &, int,
                                            const EigenOptions &, std::mt19937_64 &, long &, std::vector<std::string> &);
template bool complement_below<double>(const SectorOperator<double> &, const LockedStates<double> &, double,
                                       const EigenOptions &, std::mt19937_64 &, long &);
template bool complement_below<cplx>(const SectorOperator<cplx> &, const LockedStates<cplx> &, double, const EigenOptions &,
                                     std::mt19937_64 &, long &);

}  // namespace edcore::detail
