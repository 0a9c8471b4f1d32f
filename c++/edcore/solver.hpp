#pragma once
/// @file solver.hpp
/// @brief The exact-diagonalization pipeline: input validation, sectors, spectrum, Green's
/// functions, thermodynamics.
///
/// Stages (each its own object): NormalOrdered (canonical terms, hermiticity) ->
/// SectorSpace (conserved groups, sectors) -> Hamiltonian (classified terms, bounds) ->
/// OperatorCache / SectorOperator (matrix-free H per sector) -> Spectrum (kept states) ->
/// green_functions (poles) and observables.  Everything is validated, and the memory
/// estimated, before the first sector is built.
#include <string>
#include <utility>
#include <vector>

#include "green.hpp"
#include "terms.hpp"

namespace edcore {

/// The problem: a Hamiltonian on numbered spin-orbitals, its conserved groups, the
/// Green's-function blocks and the orbitals whose occupations are measured.
struct Problem {
  int n_orbitals = 0;
  cplx constant = 0.0;
  std::vector<cplx> one_body;              ///< optional n x n row-major: \f$ \sum_{ij} h_{ij} c^\dagger_i c_j \f$
  std::vector<Term> terms;                 ///< further terms, operators in product order
  std::vector<std::vector<int>> groups;    ///< partition of the orbitals into conserved groups
  bool conserving = true;                  ///< false: no particle number is conserved (one group)
  std::vector<std::vector<int>> blocks;    ///< orbitals of each Green's-function block
  std::vector<int> observed;               ///< orbitals of the occupation correlations
  /// Optional orbital permutation (an involution, e.g. spin up <-> down with the baths) under
  /// which H is invariant; used only when it maps groups to groups, blocks to blocks (orbital
  /// by orbital) and the observed orbitals to themselves, and H is verified invariant.
  std::vector<int> symmetry;
};

/// Options (see the Python EDOptions for the documentation of each).
struct Options {
  double beta = 1.0;  ///< infinity for T = 0
  double boltzmann_cutoff = 1e-10;
  double degeneracy_tol = 1e-9;
  std::size_t dense_max_dim = 512;
  std::size_t dense_window_max_dim = 5000;
  std::size_t dense_screen_min_dim = 128;
  bool dense_targets = true;
  double lanczos_tol = 1e-12;
  int lanczos_krylov_dim = 50;
  long lanczos_max_matvecs = 20000;
  double gf_tol = 1e-12;
  int gf_max_iter = 2000;
  double gf_probe_frequency = 0.0;  ///< <= 0: pi / beta at finite T, 0.01 at T = 0
  double gf_real_eta = 0.0;         ///< broadening of the real-axis convergence test (0: skip it)
  double gf_real_tol = 1e-8;        ///< relative tolerance of the real-axis test
  double pole_weight_cutoff = 1e-15;
  double pole_merge_tol = 1e-12;
  double max_memory_bytes = 4e9;
  std::size_t n_states_max = 1000;
  double hermitian_tol = 1e-10;
  std::uint64_t seed = 0;
  bool green = true;  ///< compute the Green's functions
};

/// Summary of a visited sector.
struct SectorSummary {
  std::vector<int> counts;
  std::size_t dim;
  std::string method;
  double bound, e_min;
  int n_kept;
  double seconds;
};

/// Everything the solver returns.
struct Result {
  bool is_complex = false;
  double e0 = 0.0, partition_function = 0.0, energy = 0.0, free_energy = 0.0;
  std::vector<BlockPoles> blocks;
  std::vector<double> nn;  ///< <n_a n_b>, observed x observed
  std::size_t n_states_kept = 0;
  std::vector<SectorSummary> sectors;
  std::vector<std::pair<std::string, double>> timings;
  std::vector<std::string> warnings;
  long matvecs = 0;
  double memory_estimate = 0.0;  ///< bytes
  std::size_t largest_sector = 0;
  bool symmetry_used = false;
  std::string symmetry_note;  ///< why a given symmetry was not used
};

/// The normal-ordered operator of a problem (one-body matrix and terms); validates
/// orbital indices and finiteness, not hermiticity.
NormalOrdered normal_ordered(const Problem &p);

/// Estimated peak memory in bytes (largest sector's Lanczos workspace or dense matrices).
double estimate_memory(const Problem &p, const Options &o, std::size_t *largest_dim = nullptr);

/// Run the whole pipeline.
Result solve(const Problem &p, const Options &o);

}  // namespace edcore
