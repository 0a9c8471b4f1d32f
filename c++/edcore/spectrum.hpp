#pragma once
/// @file spectrum.hpp
/// @brief The thermally relevant eigenstates: sector search, dense and Lanczos sectors.
///
/// Sectors are visited in order of increasing rigorous lower bound of their lowest energy
/// (Hamiltonian::lower_bound).  With \f$ E_0 \f$ the lowest energy found so far and the
/// window \f$ W = \ln(1/\epsilon)/\beta \f$ (\f$\epsilon\f$ = Boltzmann cutoff; at T = 0 the
/// degeneracy tolerance), the search stops at the first sector whose bound exceeds
/// \f$ E_0 + W \f$: no state there can carry a relative weight \f$ e^{-\beta(E-E_0)} \ge \epsilon \f$.
/// Small sectors (dimension <= dense_max_dim) are diagonalized completely, those of at least
/// dense_screen_min_dim only when a Lanczos probe does not place them above the window.  Every larger
/// sector is first screened with a cheap Lanczos estimate of its lowest energy, which also
/// estimates how many states lie in the window (lanczos_probe).  If a state lies inside, the
/// cheaper of two exact routes computes every state below \f$ E_0 + W \f$:
///  - "dense_window": the dense matrix and only its eigenpairs below the threshold (LAPACK
///    dsyevr/zheevr, about \f$ \frac{4}{3} n^3 \f$ operations), for dimensions up to
///    dense_window_max_dim when many states are wanted;
///  - "lanczos": Lanczos / Krylov-Schur (lanczos_low_states), whose cost grows with the
///    number of wanted states k as about \f$ k\, t_{Hv} + n k^{5/2} \f$.
/// The choice uses the estimated count and the measured cost of a product \f$ Hv \f$
/// (choose_route); it changes the cost only, never the result.
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
  std::size_t dense_window_max_dim = 5000;  ///< largest sector for the "dense_window" route (0: never)
  std::size_t dense_screen_min_dim = 128;   ///< dense sectors this large are first screened by a Lanczos probe (0: never)
  bool dense_targets = true;  ///< Green's-function targets up to dense_max_dim diagonalized (exact real-axis poles)
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
  std::string method;     ///< "dense", "dense_window", "lanczos", "screened" (Lanczos estimate above the window) or "mirror"
  double bound;
  double e_min;           ///< lowest energy found (the estimate for "screened")
  int n_kept = 0;
  double seconds = 0.0;   ///< time spent on the sector's eigenstates
};

/// The exact route of a sector with states inside the window.
enum class Route { dense_window, lanczos };

/// The cheaper route for a sector of dimension `n` with about `count` states in the window,
/// one product \f$ Hv \f$ costing `seconds_per_matvec`.  Model (one thread, calibrated on the
/// development machine, see doc/ed.md): the windowed dense diagonalization costs
/// \f$ c_d n^3 \f$; the Krylov-Schur search about \f$ (4k + 60) \f$ products plus
/// \f$ c_K\, n\, k^{5/2} \f$ for the orthogonalization against a basis of about \f$ 2k \f$
/// vectors and the locked states and the restarts.  The dense route applies only for
/// `min_dim < n <= max_dim` and when its two \f$ n \times n \f$ arrays of `bytes`-byte scalars fit
/// in `budget` bytes.
Route choose_route(std::size_t n, double count, double seconds_per_matvec, std::size_t min_dim, std::size_t max_dim,
                   double bytes, double budget);

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
  /// The eigensolver options of sector `id` (its own seed).
  EigenOptions eigen_options(std::size_t id) const;
  /// True when the Green's function of `n_vectors` vectors in the target sector `id` comes from its
  /// full diagonalization: a dense sector, unless dense_targets is off and it is at least
  /// dense_screen_min_dim large, not yet diagonalized and reached by few vectors (then: Lanczos
  /// continued fractions, exact on the Matsubara axis only, like larger sectors).
  bool dense_target(std::size_t id, std::size_t n_vectors) const;
  /// A dense sector of at least dense_screen_min_dim whose Lanczos probe lies above the window
  /// (e0 + window): true, with `rep` filled as "screened"; its full diagonalization is skipped.
  bool screened_dense(std::size_t id, double e0, SectorReport &rep);
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
