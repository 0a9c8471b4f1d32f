#pragma once
/// @file green.hpp
/// @brief Single-particle Green's functions of the kept states as exact poles.
///
/// \f[ G_{ij}(z) = \sum_n w_n \Big[ \langle n|c_i (z - H + E_n)^{-1} c^\dagger_j|n\rangle
///               + \langle n|c^\dagger_j (z + H - E_n)^{-1} c_i|n\rangle \Big]
///             = \sum_p \frac{R_p}{z - \epsilon_p} . \f]
/// For a target sector that is diagonalized densely the poles are the Lehmann poles
/// \f$ \epsilon = E_m - E_n \f$ (particle) and \f$ E_n - E_m \f$ (hole) with rank-one
/// residues \f$ w_n \langle n|c_i|m\rangle\langle m|c^\dagger_j|n\rangle \f$; otherwise they come
/// from a (block) Lanczos continued fraction (block_lanczos_poles), the block spanned by
/// the orbitals of the Green's-function block that belong to one conserved group (orbitals of
/// different groups have \f$ G_{ij} = 0 \f$ exactly).  Poles closer than a tolerance are merged
/// (residues added, energy averaged with the trace weights) and poles of negligible
/// weight dropped.  The same pass gives the density matrix
/// \f$ \rho_{ij} = \langle c^\dagger_j c_i \rangle \f$ of each block.
#include <string>
#include <vector>

#include "block_lanczos.hpp"
#include "spectrum.hpp"

namespace edcore {

/// Parameters of the Green's-function stage.
struct GreenOptions {
  GfOptions lanczos;
  double weight_cutoff = 1e-15;  ///< poles with trace of residue below this are dropped
  double merge_tol = 1e-12;      ///< poles closer than merge_tol * max(1, |E|) are merged
};

/// Poles of one block: energies (P) and residues (P x n x n, row-major), density (n x n).
struct BlockPoles {
  int n = 0;
  std::vector<double> energies;
  std::vector<cplx> residues;
  std::vector<cplx> density;
};

/// Green's functions of the blocks (orbitals given as external indices).  `block_image[b]`
/// (symmetry only, else empty) is the block whose orbitals are the images of block b's: the
/// image of a state contributes to it what the state contributes to b.
template <typename T>
std::vector<BlockPoles> green_functions(Spectrum<T> &spec, const std::vector<std::vector<int>> &blocks, const GreenOptions &opt,
                                        long &matvecs, std::vector<std::string> &warnings,
                                        const std::vector<int> &block_image = {});

/// Merge poles closer than `tol * max(1, |E|)` and drop those with trace weight below `cutoff`.
void merge_poles(int n, std::vector<double> &energies, std::vector<cplx> &residues, double tol, double cutoff);

}  // namespace edcore
