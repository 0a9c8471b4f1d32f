#pragma once
/// @file spectrum.hpp
/// @brief The thermally relevant eigenstates: sector search, dense and Lanczos sectors.
///
/// Sectors are visited in order of increasing rigorous lower bound of their lowest energy
/// (Hamiltonian::lower_bound).  With \f$ E_0 \f$ the lowest energy found so far and the
/// window \f$ W = \ln(1/\epsilon)/\beta \f$ (\f$\epsilon\f$ = Boltzmann cutoff; at T = 0 the
/// degeneracy tolerance), the search stops at the first sector whose bound exceeds
/// \f$ E_0 + W \f$: no state there can carry a relative weight \f$ e^{-\beta(E-E_0)} \ge \epsilon \f$.
/// Small sectors (dimension <= dense_max_dim) are diagonalized completely; large ones are
/// first screened with a cheap Lanczos estimate of their lowest energy and, if a state lies
/// inside the window, every state below \f$ E_0 + W \f$ is computed (lanczos_low_states).
/// The kept states carry the normalized weights
/// \f$ w_n = e^{-\beta(E_n - E_0)}/Z \f$, \f$ Z = \sum_n e^{-\beta(E_n - E_0)} \f$
/// (at T = 0: equal weights on the degenerate ground states).
///
/// With a symmetry (an orbital permutation \f$\pi\f$ that leaves H invariant and maps groups
/// to groups) the sector \f$\pi(s)\f$ has the spectrum of \f$ s \f$; when both are visited the
/// second is a "mirror": its states are the images \f$ P_\pi|n\rangle \f$ of the first's and are
/// not computed (Green's functions and observables take them from their originals).
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "lanczos.hpp"
#include "sector_operator.hpp"

namespace edcore {

/// Parameters of the state search.
struct SpectrumOptions {
  double beta = 1.0;                 ///< inverse temperature (infinity: T = 0)
  double boltzmann_cutoff = 1e-10;   ///< smallest relative Boltzmann weight kept
  double degeneracy_tol = 1e-9;      ///< T = 0: states within this energy of E0 are ground states
  std::size_t dense_max_dim = 512;   ///< sectors up to this dimension are diagonalized densely
  double max_memory_bytes = 4e9;     ///< limit on the memory of kept Lanczos states
  EigenOptions eigen;
};

/// A completely diagonalized sector.
template <typename T> struct DenseSector {
  std::size_t id;
  Sector sector;
  std::vector<double> energies;  ///< ascending
  std::vector<T> vectors;        ///< eigenvectors, column-major dim x dim
};

/// A kept eigenstate.
template <typename T> struct KeptState {
  std::size_t sector_id;
  double energy;
  double weight = 0.0;        ///< normalized Boltzmann weight
  int dense_index = -1;       ///< column of the dense sector, or -1 (Lanczos state)
  std::vector<T> vector;      ///< the state (Lanczos sectors only)
  long mirror_of = -1;        ///< index of the state whose image this is (symmetry), or -1
  bool has_mirror = false;    ///< another kept state is the image of this one
};

/// What happened to one visited sector.
struct SectorReport {
  std::size_t id;
  std::vector<int> counts;
  std::size_t dim;
  std::string method;     ///< "dense", "lanczos", "screened" (Lanczos estimate above the window) or "mirror"
  double bound;
  double e_min;           ///< lowest energy found (the estimate for "screened")
  int n_kept = 0;
};

template <typename T> class Spectrum {
 public:
  /// `mirror`: for each sector id the id of its image under the symmetry (empty: none).
  Spectrum(const OperatorCache<T> &cache, const SpectrumOptions &opt, std::vector<std::size_t> mirror = {});

  /// Run the search (fills states, e0, partition function).
  void compute();

  double e0() const { return e0_; }
  /// \f$ Z = \sum_n e^{-\beta (E_n - E_0)} \f$ over the kept states.
  double partition_function() const { return z_; }
  double window() const { return window_; }
  const std::vector<KeptState<T>> &states() const { return states_; }
  const std::vector<SectorReport> &reports() const { return reports_; }
  const SpectrumOptions &options() const { return opt_; }
  const OperatorCache<T> &cache() const { return cache_; }

  /// The fully diagonalized sector (computed on first use).
  const DenseSector<T> &dense(std::size_t id);
  /// The sector operator (built on first use and kept).
  const SectorOperator<T> &op(std::size_t id);
  /// True when the sector is treated densely.
  bool is_dense(std::size_t id) const;
  /// True when a symmetry maps the sector onto itself (its kept states then form complete
  /// multiplets that the symmetry permutes among themselves).
  bool self_mapped(std::size_t id) const { return !mirror_.empty() && mirror_[id] == id; }

  long matvecs() const { return matvecs_; }
  std::vector<std::string> &warnings() { return warnings_; }

 private:
  const OperatorCache<T> &cache_;
  SpectrumOptions opt_;
  double e0_ = 0.0, z_ = 0.0, window_ = 0.0;
  std::vector<KeptState<T>> states_;
  std::vector<SectorReport> reports_;
  std::vector<std::size_t> mirror_;
  std::map<std::size_t, DenseSector<T>> dense_;
  std::map<std::size_t, std::unique_ptr<SectorOperator<T>>> ops_;
  long matvecs_ = 0;
  std::vector<std::string> warnings_;
};

}  // namespace edcore
