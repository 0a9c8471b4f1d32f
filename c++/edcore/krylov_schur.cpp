#include "krylov_schur.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "errors.hpp"
#include "lanczos_util.hpp"
#include "tridiagonal.hpp"

namespace edcore::detail {

template <typename T>
std::size_t krylov_schur_run(const SectorOperator<T> &h, std::vector<Eigenpair<T>> &locked, double e_ref, double window,
                           double &e_min, const EigenOptions &opt, std::mt19937_64 &rng, long &matvecs,
                           std::vector<std::string> &warnings) {
  const std::size_t n = h.dim();
  const double scale = std::max(h.norm_bound(), 1e-300);
  const int m = static_cast<int>(std::min<std::size_t>(std::max(opt.krylov_dim, 8), n));
  std::vector<T> V(n * (m + 1), T(0)), w(n), coef, tmp, Y;
  std::vector<T> Tm(static_cast<std::size_t>(m + 1) * m, T(0));  // (m+1) x m, column-major
  auto TT = [&](int i, int j) -> T & { return Tm[i + static_cast<std::size_t>(j) * (m + 1)]; };
  // Fresh random start orthogonal to every locked state.
  T *v0 = V.data();
  random_vector(rng, n, v0);
  project_out_locked(n, locked, v0);
  double nv = std::sqrt(norm2<T>(n, v0));
  if (locked.size() >= n || nv < 1e-8 * std::sqrt(double(n))) return 0;
  scal<T>(n, 1.0 / nv, v0);
  std::fill(Tm.begin(), Tm.end(), T(0));
  int j = 0;  // next column to expand; basis V[:, 0..j]
  bool tridiagonal = true;  // no thick restart yet in this run
  std::size_t found_in_run = 0;
  bool run_done = false;
  while (!run_done) {
    // Expand column j.
    const T *vj = V.data() + static_cast<std::size_t>(j) * n;
    h.apply(vj, w.data());
    ++matvecs;
    // Known couplings first (the Lanczos recurrence: <v_i|H v_j> = conj(T_ji) for i < j,
    // and alpha_j), then full reorthogonalization against the basis and the locked states.
    std::vector<T> local(j + 1, T(0));
    for (int i = 0; i < j; ++i) {
      const T t = TT(j, i);
      if (t == T(0)) continue;
      local[i] = conj(t);
      axpy<T>(n, -local[i], V.data() + static_cast<std::size_t>(i) * n, w.data());
    }
    local[j] = dot<T>(n, vj, w.data());
    axpy<T>(n, -local[j], vj, w.data());
    project_out(n, j + 1, V.data(), w.data(), coef, tmp);
    project_out_locked(n, locked, w.data());
    const double b = std::sqrt(norm2<T>(n, w.data()));
    for (int i = 0; i <= j; ++i) TT(i, j) = local[i] + coef[i];
    TT(j + 1, j) = b;
    const int k = j + 1;  // expanded columns
    const bool exhausted = b <= 1e-13 * scale || static_cast<std::size_t>(k) + locked.size() >= n;
    if (!exhausted) {
      T *vn = V.data() + static_cast<std::size_t>(k) * n;
      for (std::size_t i = 0; i < n; ++i) vn[i] = w[i] / b;
    }
    const bool full = k == m;
    if (!(k % 3 == 0 || exhausted || full || matvecs >= opt.max_matvecs)) {
      j = k;
      continue;
    }
    // Ritz pairs of the projected matrix.  Before any restart it is tridiagonal (full
    // reorthogonalization leaves only rounding outside the band): QL on the last row gives
    // the Ritz values and residuals in O(k^2); the vectors are computed when needed.  After
    // a thick restart it is dense (arrowhead + band).
    std::vector<double> theta(k);
    std::vector<T> S;
    std::vector<double> last_row;
    auto ritz_vectors = [&]() {  // fills S (k x k, column p = eigenvector p)
      if (!S.empty()) return;
      S.assign(static_cast<std::size_t>(k) * k, T(0));
      if (tridiagonal) {
        std::vector<double> d(k), e(k, 0.0), z;
        for (int i = 0; i < k; ++i) d[i] = real_part(TT(i, i));
        for (int i = 0; i + 1 < k; ++i) e[i] = real_part(TT(i + 1, i));
        std::vector<int> rows(k);
        for (int i = 0; i < k; ++i) rows[i] = i;
        tridiagonal_eigen(k, d.data(), e.data(), rows, z);
        for (int r = 0; r < k; ++r)
          for (int p = 0; p < k; ++p) S[r + static_cast<std::size_t>(p) * k] = z[static_cast<std::size_t>(r) * k + p];
      } else {
        for (int c = 0; c < k; ++c)
          for (int r = 0; r < k; ++r) S[r + static_cast<std::size_t>(c) * k] = 0.5 * (TT(r, c) + conj(TT(c, r)));
        heev<T>(k, S.data(), theta.data());
      }
    };
    if (tridiagonal) {
      std::vector<double> d(k), e(k, 0.0);
      for (int i = 0; i < k; ++i) d[i] = real_part(TT(i, i));
      for (int i = 0; i + 1 < k; ++i) e[i] = real_part(TT(i + 1, i));
      tridiagonal_eigen(k, d.data(), e.data(), {k - 1}, last_row);
      theta = d;
    } else {
      ritz_vectors();
      last_row.resize(k);
      for (int p = 0; p < k; ++p) last_row[p] = std::sqrt(abs2(S[(k - 1) + static_cast<std::size_t>(p) * k]));
    }
    std::vector<double> res(k);
    for (int p = 0; p < k; ++p) res[p] = exhausted ? 0.0 : b * std::abs(last_row[p]);
    e_min = std::min(e_min, theta[0]);
    const double thr = std::min(e_ref, e_min) + window;
    // Tolerance relative to the spectral radius estimated by the extreme Ritz values.
    const double tol = opt.tol * std::max({std::abs(theta[0]), std::abs(theta[k - 1]), 1e-300});
    std::vector<int> wanted, wanted_conv;
    bool all_conv = true;
    int first_unwanted = -1;
    for (int p = 0; p < k; ++p) {
      if (theta[p] < thr) {
        wanted.push_back(p);
        if (res[p] <= tol) wanted_conv.push_back(p);
        else all_conv = false;
      } else if (first_unwanted < 0) {
        first_unwanted = p;
      }
    }
    bool fu_ok = true;
    if (first_unwanted >= 0) {
      const double r = res[first_unwanted];
      fu_ok = r <= tol || (r <= opt.screen_tol * scale && theta[first_unwanted] - r >= thr);
    }
    run_done = exhausted || (all_conv && fu_ok);
    if (!run_done && !full && matvecs < opt.max_matvecs) {
      j = k;
      continue;
    }
    if (!run_done && matvecs >= opt.max_matvecs) {
      warnings.push_back("Lanczos eigensolver stopped after " + std::to_string(matvecs) +
                         " matrix-vector products with unconverged states (raise lanczos_max_matvecs)");
      wanted_conv = wanted;  // keep the best estimates
      run_done = true;
    }
    // Lock the converged wanted Ritz pairs.
    if (!wanted_conv.empty() || !run_done) ritz_vectors();
    if (!wanted_conv.empty()) {
      std::vector<T> U(static_cast<std::size_t>(k) * wanted_conv.size());
      for (std::size_t q = 0; q < wanted_conv.size(); ++q)
        for (int r = 0; r < k; ++r) U[r + q * k] = S[r + static_cast<std::size_t>(wanted_conv[q]) * k];
      Y.resize(n * wanted_conv.size());
      gemm_a_b<T>(static_cast<int>(n), static_cast<int>(wanted_conv.size()), k, V.data(), static_cast<int>(n), U.data(), k,
                  Y.data(), static_cast<int>(n));
      for (std::size_t q = 0; q < wanted_conv.size(); ++q) {
        Eigenpair<T> e{theta[wanted_conv[q]], std::vector<T>(Y.begin() + q * n, Y.begin() + (q + 1) * n)};
        project_out_locked(n, locked, e.vector.data());
        scal<T>(n, 1.0 / std::sqrt(norm2<T>(n, e.vector.data())), e.vector.data());
        locked.push_back(std::move(e));
      }
      found_in_run += wanted_conv.size();
      if (locked.size() > opt.max_states)
        throw resource_limit_error("more than n_states_max = " + std::to_string(opt.max_states) +
                                   " states inside the Boltzmann window in one sector (dimension " + std::to_string(n) +
                                   "); raise n_states_max or boltzmann_cutoff, or lower the temperature window");
    }
    if (run_done) break;
    // Thick restart: keep the unconverged wanted Ritz vectors and the lowest others.
    std::vector<int> keep;
    for (int p = 0; p < k && static_cast<int>(keep.size()) < m / 2; ++p) {
      if (std::find(wanted_conv.begin(), wanted_conv.end(), p) != wanted_conv.end()) continue;
      keep.push_back(p);
    }
    const int nk = static_cast<int>(keep.size());
    std::vector<T> U(static_cast<std::size_t>(k) * nk);
    for (int q = 0; q < nk; ++q)
      for (int r = 0; r < k; ++r) U[r + static_cast<std::size_t>(q) * k] = S[r + static_cast<std::size_t>(keep[q]) * k];
    Y.resize(n * nk);
    gemm_a_b<T>(static_cast<int>(n), nk, k, V.data(), static_cast<int>(n), U.data(), k, Y.data(), static_cast<int>(n));
    // The residual direction v_k becomes basis vector nk.
    std::copy(V.begin() + static_cast<std::size_t>(k) * n, V.begin() + static_cast<std::size_t>(k + 1) * n,
              V.begin() + static_cast<std::size_t>(nk) * n);
    std::copy(Y.begin(), Y.end(), V.begin());
    // Re-orthogonalize the new residual vector against the kept ones and the locked states.
    T *vr = V.data() + static_cast<std::size_t>(nk) * n;
    project_out(n, nk, V.data(), vr, coef, tmp);
    project_out_locked(n, locked, vr);
    scal<T>(n, 1.0 / std::sqrt(norm2<T>(n, vr)), vr);
    std::fill(Tm.begin(), Tm.end(), T(0));
    for (int q = 0; q < nk; ++q) {
      TT(q, q) = theta[keep[q]];
      TT(nk, q) = b * S[(k - 1) + static_cast<std::size_t>(keep[q]) * k];
    }
    j = nk;
    tridiagonal = false;
  }
  return found_in_run;
}

/// Plain Lanczos on P H P (P projects out the locked states), no stored basis.
template <typename T>
bool complement_below(const SectorOperator<T> &h, const std::vector<Eigenpair<T>> &locked, double thr, const EigenOptions &opt,
                      std::mt19937_64 &rng, long &matvecs) {
  const std::size_t n = h.dim();
  if (locked.size() >= n) return false;
  const double scale = std::max(h.norm_bound(), 1e-300);
  std::vector<T> v(n), vp(n, T(0)), w(n);
  random_vector(rng, n, v.data());
  project_out_locked(n, locked, v.data());
  const double nv = std::sqrt(norm2<T>(n, v.data()));
  if (nv < 1e-8) return false;
  scal<T>(n, 1.0 / nv, v.data());
  std::vector<double> alpha, beta;
  double beta_prev = 0.0;
  for (long j = 0;; ++j) {
    h.apply(v.data(), w.data());
    ++matvecs;
    for (const auto &e : locked) axpy<T>(n, -dot<T>(n, e.vector.data(), w.data()), e.vector.data(), w.data());
    if (j > 0) axpy<T>(n, T(-beta_prev), vp.data(), w.data());
    const double a = real_part(dot<T>(n, v.data(), w.data()));
    axpy<T>(n, T(-a), v.data(), w.data());
    const double b = std::sqrt(norm2<T>(n, w.data()));
    alpha.push_back(a);
    beta.push_back(b);
    const int k = static_cast<int>(alpha.size());
    const bool exhausted = b <= 1e-13 * scale || static_cast<std::size_t>(k) + locked.size() >= n;
    if (k % 4 == 0 || exhausted || j + 1 >= opt.max_matvecs) {
      std::vector<double> d(alpha), e(beta), z;
      tridiagonal_eigen(k, d.data(), e.data(), {k - 1}, z);
      const double theta = d[0], r = exhausted ? 0.0 : b * std::abs(z[0]);
      if (theta < thr) return true;
      if (exhausted || r <= opt.tol * scale) return false;
      if (r <= opt.screen_tol * scale && theta - r >= thr) return false;
      if (j + 1 >= opt.max_matvecs) return false;
    }
    std::swap(vp, v);
    for (std::size_t i = 0; i < n; ++i) v[i] = w[i] / b;
    beta_prev = b;
  }
}

template std::size_t krylov_schur_run<double>(const SectorOperator<double> &, std::vector<Eigenpair<double>> &, double, double,
                                              double &, const EigenOptions &, std::mt19937_64 &, long &,
                                              std::vector<std::string> &);
template std::size_t krylov_schur_run<cplx>(const SectorOperator<cplx> &, std::vector<Eigenpair<cplx>> &, double, double, double &,
                                            const EigenOptions &, std::mt19937_64 &, long &, std::vector<std::string> &);
template bool complement_below<double>(const SectorOperator<double> &, const std::vector<Eigenpair<double>> &, double,
                                       const EigenOptions &, std::mt19937_64 &, long &);
template bool complement_below<cplx>(const SectorOperator<cplx> &, const std::vector<Eigenpair<cplx>> &, double,
                                     const EigenOptions &, std::mt19937_64 &, long &);

}  // namespace edcore::detail
