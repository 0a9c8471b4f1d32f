#pragma once
/// @file lanczos.hpp
/// @brief Low-lying eigenstates of a sector by Lanczos iterations.
///
/// Two procedures:
///  - `lanczos_probe`: plain three-vector Lanczos for the lowest eigenvalue of a sector
///    (screening: is any state of this sector inside the Boltzmann window?), which also
///    estimates how many eigenvalues lie below the threshold (Gauss quadrature of the
///    spectral measure of the random start vector, see LowestEstimate::count).
///  - `lanczos_low_states`: every eigenpair below a threshold, multiplicities included.
///    Few wanted states in a large sector: two-pass Lanczos runs (no stored basis, no
///    reorthogonalization; the run stops when its lowest Ritz value has converged, pass 2
///    rebuilds the Ritz vectors, a Rayleigh-Ritz step checks them), each orthogonal to the
///    states already found.  Many wanted states, small sectors, or a failed two-pass run:
///    Krylov-Schur runs (krylov_schur.hpp: full reorthogonalization, thick restart, locking)
///    with a basis of about twice the expected number of states.  A Krylov space of one start
///    vector holds a single direction of each eigenspace, so runs are repeated from fresh
///    random vectors orthogonal to every locked state until nothing new lies below the
///    threshold: degenerate multiplets are found completely.
#include <cstdint>
#include <vector>

#include "sector_operator.hpp"

namespace edcore {

/// Parameters of the eigensolvers.
struct EigenOptions {
  double tol = 1e-12;         ///< residual tolerance relative to the spectral scale
  double screen_tol = 1e-7;   ///< residual that suffices to decide "above the window"
  int krylov_dim = 50;        ///< smallest Krylov-Schur basis (and the basis of small sectors)
  long max_matvecs = 20000;   ///< limit on products H x per call
  std::uint64_t seed = 0;     ///< seed of the random start vectors
  std::size_t max_states = 1000;  ///< limit on the number of eigenpairs returned
  double max_basis_bytes = 1e9;   ///< limit on the memory of a Krylov-Schur basis
};

/// An eigenpair of a sector.
template <typename T> struct Eigenpair {
  double energy;
  std::vector<T> vector;
};

/// Result of the screening iteration.
struct LowestEstimate {
  double value;      ///< lowest Ritz value (an upper bound of the lowest eigenvalue)
  double residual;   ///< its residual norm
  bool below;        ///< the Ritz value is below `e_ref + window` (a state lies inside)
  long matvecs;
  /// Estimated number of eigenvalues below \f$ \min(e_\mathrm{ref}, E_\mathrm{min}) + W \f$
  /// (only when `below`): \f$ n \sum_{\theta_p < \mathrm{thr}} |u_{1p}|^2 \f$, the Gauss
  /// quadrature of the spectral measure \f$ \sum_i |\langle i|v\rangle|^2 \delta(E - E_i) \f$
  /// of the random start vector v (whose overlaps average \f$ 1/n \f$; used after 20 steps or
  /// more), and at least the number of Ritz values below the threshold.
  double count = 0.0;
  double seconds_per_matvec = 0.0;  ///< measured cost of one product H v
};

/// Plain Lanczos for the lowest eigenvalue; stops once the lowest Ritz value is converged
/// enough to lie above \f$ e_\mathrm{ref} + W \f$, or, when it falls below, after at least
/// `min_steps` steps (for the count estimate).
template <typename T>
LowestEstimate lanczos_probe(const SectorOperator<T> &h, double e_ref, double window, const EigenOptions &opt,
                             int min_steps = 40);

/// Every eigenpair with energy below \f$ \min(e_\mathrm{ref}, E_\mathrm{min}) + W \f$, where
/// \f$ E_\mathrm{min} \f$ is the lowest eigenvalue of the sector, with full multiplicities.
/// `expected` (the probe's estimate, 0 if unknown) sizes the Krylov-Schur basis.
/// `warnings` receives a message when a limit was hit.
template <typename T>
std::vector<Eigenpair<T>> lanczos_low_states(const SectorOperator<T> &h, double e_ref, double window, double expected,
                                             const EigenOptions &opt, long &matvecs, std::vector<std::string> &warnings);

}  // namespace edcore
