#pragma once
/// @file lanczos_util.hpp
/// @brief Vector helpers shared by the Lanczos eigensolvers (internal).
#include <cmath>
#include <random>
#include <vector>

#include "lanczos.hpp"
#include "linalg.hpp"

namespace edcore::detail {

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
/// Classical Gram-Schmidt, repeated when a pass removed more than 1 - 1/sqrt(2) of the norm
/// (Daniel-Gragg-Kaufman-Stewart criterion), which keeps V orthonormal to working precision.
/// The caller removes the known large components first (the Lanczos recurrence), so one
/// pass is the rule.
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

template <typename T> inline void project_out_locked(std::size_t n, const std::vector<Eigenpair<T>> &locked, T *w) {
  for (int pass = 0; pass < 2; ++pass)
    for (const auto &e : locked) axpy<T>(n, -dot<T>(n, e.vector.data(), w), e.vector.data(), w);
}


}  // namespace edcore::detail
