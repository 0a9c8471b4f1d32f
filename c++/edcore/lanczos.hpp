#pragma once
/// @file lanczos.hpp
/// @brief Low-lying eigenstates of a sector by Lanczos iterations.
///
/// Two procedures:
///  - `lanczos_lowest`: plain three-vector Lanczos for the lowest eigenvalue of a sector
///    (screening: is any state of this sector inside the Boltzmann window?).
///  - `lanczos_low_states`: every eigenpair below a threshold, multiplicities included.
///    Large sectors: two-pass Lanczos runs (no stored basis, no reorthogonalization; the run
///    stops when its lowest Ritz value has converged, pass 2 rebuilds the Ritz vectors, a
///    Rayleigh-Ritz step checks them), each orthogonal to the states already found.  Small
///    sectors (or a failed two-pass run): Krylov-Schur runs (krylov_schur.hpp: full
///    reorthogonalization, thick restart, locking).  A Krylov space of one start vector
///    holds a single direction of each eigenspace, so runs are repeated from fresh random
///    vectors orthogonal to every locked state until nothing new lies below the threshold:
///    degenerate multiplets are found completely.
#include <cstdint>
#include <vector>

#include "sector_operator.hpp"

namespace edcore {

/// Parameters of the eigensolvers.
struct EigenOptions {
  double tol = 1e-12;         ///< residual tolerance relative to the spectral scale
  double screen_tol = 1e-7;   ///< residual that suffices to decide "above the window"
  int krylov_dim = 50;        ///< largest Krylov basis before a thick restart
  long max_matvecs = 20000;   ///< limit on products H x per call
  std::uint64_t seed = 0;     ///< seed of the random start vectors
  std::size_t max_states = 1000;  ///< limit on the number of eigenpairs returned
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
  bool below;        ///< the Ritz value is below `stop_below` (a state lies inside)
  long matvecs;
};

/// Plain Lanczos for the lowest eigenvalue; stops early once the lowest Ritz value falls
/// below `stop_below` or is converged enough to lie above it.
template <typename T>
LowestEstimate lanczos_lowest(const SectorOperator<T> &h, double stop_below, const EigenOptions &opt);

/// Every eigenpair with energy below \f$ \min(e_\mathrm{ref}, E_\mathrm{min}) + W \f$, where
/// \f$ E_\mathrm{min} \f$ is the lowest eigenvalue of the sector, with full multiplicities.
/// `warnings` receives a message when a limit was hit.
template <typename T>
std::vector<Eigenpair<T>> lanczos_low_states(const SectorOperator<T> &h, double e_ref, double window, const EigenOptions &opt,
                                             long &matvecs, std::vector<std::string> &warnings);

}  // namespace edcore
