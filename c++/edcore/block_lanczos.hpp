#pragma once
/// @file block_lanczos.hpp
/// @brief Green's functions of one state by (block) Lanczos, as poles and residues.
///
/// For start vectors \f$ x_1..x_k \f$ in a sector (e.g. \f$ x_i = c^\dagger_i|n\rangle \f$),
/// \f[ F_{ij}(z) = \langle x_i | \big(z - s(H - E_n)\big)^{-1} | x_j \rangle ,\quad s = \pm 1 . \f]
/// Block Lanczos builds \f$ X = Q_1 B_0 \f$ and the block tridiagonal \f$ T \f$ (diagonal
/// blocks \f$ A_j \f$, off-diagonal \f$ B_j \f$); then
/// \f$ F(z) = B_0^\dagger [(z - s(T - E_n))^{-1}]_{11} B_0 \f$, a block continued fraction.
/// Diagonalizing \f$ T = U \Lambda U^\dagger \f$ turns it into poles
/// \f$ \epsilon_p = s(\lambda_p - E_n) \f$ with residues \f$ R_p = v_p v_p^\dagger \f$,
/// \f$ v_p = B_0^\dagger U_{1p} \f$ (first block of the eigenvector).  For k = 1 this is the
/// scalar continued fraction and \f$ T \f$ is real tridiagonal (QL on the first row only).
/// The iteration stops when the Krylov space is exhausted (exact), or when \f$ F \f$ has
/// converged first at the probe frequencies \f$ z = i\omega \f$ and then on the real axis
/// (\f$ z = \omega + i\eta \f$ across the spectrum: the poles themselves are resolved, not only
/// their smooth Matsubara-axis sums).  Without reorthogonalization the continued fraction stays
/// accurate (spurious copies of converged poles share their weight).
#include <string>
#include <vector>

#include "sector_operator.hpp"

namespace edcore {

/// Parameters of the Green's-function Lanczos.
struct GfOptions {
  double tol = 1e-12;                 ///< relative change of F at the probes that counts as converged
  int max_iter = 2000;                ///< largest number of (block) Lanczos steps
  std::vector<double> probes;         ///< imaginary frequencies \f$ \omega \f$ of the convergence test
  double real_eta = 0.0;              ///< then: F(w + i real_eta) across the spectrum must converge (0: skip)
  double real_tol = 1e-8;             ///< relative change allowed on the real axis
};

/// Poles \f$ \epsilon_p \f$ and k x k residues (row-major per pole).
template <typename T> struct PoleList {
  int k = 0;
  std::vector<double> energies;
  std::vector<T> residues;
};

/// \f$ F(z) \f$ of the k columns of `x` (leading dimension h.dim()), as poles.
template <typename T>
PoleList<T> block_lanczos_poles(const SectorOperator<T> &h, const T *x, int k, double e_n, int sign, const GfOptions &opt,
                                long &matvecs, std::vector<std::string> &warnings);

}  // namespace edcore
