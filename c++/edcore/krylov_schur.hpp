#pragma once
/// @file krylov_schur.hpp
/// @brief One Krylov-Schur run (full reorthogonalization, thick restart, locking) and the
/// complement test of the eigenstate search (internal to lanczos.cpp).
///
/// A run expands an orthonormal basis \f$ V \f$ from a random start orthogonal to the locked
/// states, with \f$ H V_k = V_{k+1} \bar T_k \f$; the Ritz pairs of \f$ T_k \f$ (tridiagonal
/// until the first restart, then arrowhead plus band) converge to the low eigenpairs.  When
/// the basis is full, the converged wanted Ritz vectors are locked and the others kept as a
/// thick restart.  The run ends when every Ritz value below the threshold and the first one
/// above it have converged.
#include <random>
#include <string>
#include <vector>

#include "lanczos.hpp"

namespace edcore::detail {

/// Lock (append to `locked`) every eigenpair below \f$ \min(e_\mathrm{ref}, e_\mathrm{min}) + W \f$
/// that one run finds; returns how many.
template <typename T>
std::size_t krylov_schur_run(const SectorOperator<T> &h, std::vector<Eigenpair<T>> &locked, double e_ref, double window,
                             double &e_min, const EigenOptions &opt, std::mt19937_64 &rng, long &matvecs,
                             std::vector<std::string> &warnings);

/// Is there an eigenvalue below `thr` in the complement of the locked states?
template <typename T>
bool complement_below(const SectorOperator<T> &h, const std::vector<Eigenpair<T>> &locked, double thr, const EigenOptions &opt,
                      std::mt19937_64 &rng, long &matvecs);

}  // namespace edcore::detail
