#pragma once
/// @file krylov_schur.hpp
/// @brief One Krylov-Schur run (full reorthogonalization, thick restart, locking) and the
/// complement test of the eigenstate search (internal to lanczos.cpp).
///
/// A run expands an orthonormal basis \f$ V_k \f$ from a random start orthogonal to the locked
/// states, with \f$ H V_k = V_k S_k + \beta\, v_{k} e_k^\dagger \f$ and
/// \f$ S_k = V_k^\dagger H V_k \f$ (tridiagonal until the first restart, then arrowhead plus
/// band).  When the basis holds `m` vectors (or the Krylov space is exhausted), the Ritz pairs
/// \f$ (\theta_p, V_k y_p) \f$ of \f$ S_k \f$ are computed, with residuals
/// \f$ |\beta\, y_{kp}| \f$; the converged ones below the threshold are locked, and the lowest
/// others are kept as a thick restart (\f$ V \leftarrow V Y_\mathrm{keep} \f$, the residual
/// vector appended).  The run ends when every Ritz value below the threshold and the first one
/// above it have converged.  Every expansion vector is orthogonalized against the basis and the
/// locked states by classical Gram-Schmidt with BLAS-2 products (repeated when needed), so the
/// cost per step is \f$ O(n (k + n_\mathrm{locked})) \f$ plus one product \f$ H v \f$; a basis of
/// about twice the number of wanted states converges them in a few restarts.
#include <random>
#include <string>
#include <vector>

#include "lanczos.hpp"
#include "lanczos_util.hpp"

namespace edcore::detail {

/// Lock (append to `locked`) every eigenpair below \f$ \min(e_\mathrm{ref}, e_\mathrm{min}) + W \f$
/// that one run with a basis of at most `m` vectors finds; returns how many.
template <typename T>
std::size_t krylov_schur_run(const SectorOperator<T> &h, LockedStates<T> &locked, double e_ref, double window, double &e_min,
                             int m, const EigenOptions &opt, std::mt19937_64 &rng, long &matvecs,
                             std::vector<std::string> &warnings);

/// Is there an eigenvalue below `thr` in the complement of the locked states?
template <typename T>
bool complement_below(const SectorOperator<T> &h, const LockedStates<T> &locked, double thr, const EigenOptions &opt,
                      std::mt19937_64 &rng, long &matvecs);

}  // namespace edcore::detail
