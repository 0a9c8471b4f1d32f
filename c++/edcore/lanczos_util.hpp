#pragma once
/// @file lanczos_util.hpp
/// @brief The Lanczos step and vector helpers shared by the Lanczos eigensolvers (internal).
#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "lanczos.hpp"
#include "linalg.hpp"

namespace edcore::detail {

/// The Krylov space of a Lanczos run is exhausted (the start vector lies in an invariant
/// subspace, or the sector is spanned) once the new residual norm \f$ \beta \f$ is at most
/// this fraction of the spectral scale of the operator.
constexpr double kLanczosExhaustedTol = 1e-13;

/// Whether a Lanczos residual norm `beta` means exhaustion at spectral scale `scale`.
inline bool lanczos_exhausted(double beta, double scale) { return beta <= kLanczosExhaustedTol * scale; }

/// The coefficients of one Lanczos step: \f$ \alpha_j = \langle v_j|A v_j\rangle \f$ and
/// \f$ \beta_j = \| w \| \f$.
struct LanczosCoefficients {
  double alpha;
  double beta;
};

/// The three-term Lanczos step for a Hermitian operator, written once for every eigensolver:
/// \f$ w = A v_j - \beta_{j-1} v_{j-1} - \alpha_j v_j \f$ with
/// \f$ \alpha_j = \langle v_j | A v_j - \beta_{j-1} v_{j-1} \rangle \f$; returns
/// \f$ (\alpha_j, \|w\|) \f$.  `apply(x, y)` computes \f$ y = A x \f$ (projections
/// included, e.g. out of locked states); `v_prev` is null at the first step.  With `known`
/// (the coefficients of an earlier run on the same vectors) nothing is recomputed: the
/// regeneration pass of a two-pass run rebuilds bitwise the same vectors.
template <typename T, typename Apply>
inline LanczosCoefficients lanczos_step(std::size_t n, Apply &&apply, const T *v, const T *v_prev, double beta_prev,
                                        T *w, const LanczosCoefficients *known = nullptr) {
  apply(v, w);
  if (v_prev) axpy<T>(n, T(-beta_prev), v_prev, w);
  if (known) {
    axpy<T>(n, T(-known->alpha), v, w);
    return *known;
  }
  const double a = real_part(dot<T>(n, v, w));
  axpy<T>(n, T(-a), v, w);
  return {a, std::sqrt(norm2<T>(n, w))};
}

/// The next Lanczos vector: `v_prev` takes `v`, `v` becomes `w / beta`.
template <typename T>
inline void lanczos_advance(std::size_t n, std::vector<T> &v_prev, std::vector<T> &v, const std::vector<T> &w, double beta) {
  std::swap(v_prev, v);
  for (std::size_t i = 0; i < n; ++i) v[i] = w[i] / beta;
}

template <typename T> inline void random_vector(std::mt19937_64 &rng, std::size_t n, T *v) {
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  for (std::size_t i = 0; i < n; ++i) {
    if constexpr (is_complex<T>::value) {
      const double re = u(rng);
      v[i] = T(re, u(rng));
    } else {
      v[i] = u(rng);
    }
  }
}

/// w -= V (V^+ w) for the k columns of V (leading dimension n); returns the coefficients.
/// Classical Gram-Schmidt (two BLAS-2 products), repeated when a pass removed more than
/// half of the squared norm (Daniel-Gragg-Kaufman-Stewart criterion), which keeps V
/// orthonormal to working precision.  The caller removes the known large components first
/// (the Lanczos recurrence), so one pass is the rule.
template <typename T> inline void project_out(std::size_t n, int k, const T *V, T *w, std::vector<T> &coef, std::vector<T> &tmp) {
  coef.assign(k, T(0));
  if (k == 0) return;
  std::vector<T> c(k);
  tmp.resize(n);
  double before = norm2<T>(n, w);
  for (int pass = 0; pass < 3; ++pass) {
    gemm_ah_b<T>(k, 1, static_cast<int>(n), V, static_cast<int>(n), w, static_cast<int>(n), c.data(), k);
    gemm_a_b<T>(static_cast<int>(n), 1, k, V, static_cast<int>(n), c.data(), k, tmp.data(), static_cast<int>(n));
    for (std::size_t i = 0; i < n; ++i) w[i] -= tmp[i];
    for (int i = 0; i < k; ++i) coef[i] += c[i];
    const double after = norm2<T>(n, w);
    if (after >= 0.5 * before) break;
    before = after;
  }
}

/// The eigenpairs of a sector found so far, vectors stored side by side (n x size,
/// column-major) so that projecting them out of a vector is two BLAS-2 products.
template <typename T> class LockedStates {
 public:
  explicit LockedStates(std::size_t n) : n_(n) {}
  std::size_t size() const { return energies_.size(); }
  bool empty() const { return energies_.empty(); }
  const T *vector(std::size_t i) const { return vectors_.data() + i * n_; }
  double energy(std::size_t i) const { return energies_[i]; }
  /// Append a copy of the unit vector `v` with eigenvalue `e`.
  void add(double e, const T *v) {
    energies_.push_back(e);
    vectors_.insert(vectors_.end(), v, v + n_);
  }
  /// \f$ w \leftarrow (1 - L L^\dagger) w \f$: for a few states two passes of modified
  /// Gram-Schmidt (no norms needed), for more the BLAS-2 form of project_out.
  void project(T *w) const {
    if (size() <= 8) {
      for (int pass = 0; pass < 2; ++pass)
        for (std::size_t i = 0; i < size(); ++i) axpy<T>(n_, -dot<T>(n_, vector(i), w), vector(i), w);
    } else {
      project_out(n_, static_cast<int>(size()), vectors_.data(), w, coef_, tmp_);
    }
  }
  /// The eigenpairs, ascending in energy.
  std::vector<Eigenpair<T>> sorted() const {
    std::vector<std::size_t> order(size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return energies_[a] < energies_[b]; });
    std::vector<Eigenpair<T>> out;
    out.reserve(size());
    for (std::size_t i : order) out.push_back({energies_[i], std::vector<T>(vector(i), vector(i) + n_)});
    return out;
  }

 private:
  std::size_t n_;
  std::vector<double> energies_;
  std::vector<T> vectors_;
  mutable std::vector<T> coef_, tmp_;
};

}  // namespace edcore::detail
