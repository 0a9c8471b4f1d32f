#pragma once
/// @file sector_operator.hpp
/// @brief The Hamiltonian restricted to one sector, applied without building the full matrix.
///
/// A sector vector is a G-index tensor \f$ x[r_0, \dots, r_{G-1}] \f$ (group 0 slowest).
/// \f[ (Hx) = D \circ x + \sum_g (1 \otimes \dots \otimes M_g \otimes \dots \otimes 1)\, x
///           + C x \f]
/// with \f$ D \f$ the diagonal (all number-operator products), \f$ M_g \f$ the sparse
/// within-group matrix of group g and \f$ C \f$ the cross-group terms as a sparse matrix in
/// the sector.  For two groups this is \f$ X \mapsto D\circ X + M_0 X + X M_1^T + C(X) \f$.
#include <cstdint>
#include <vector>

#include "hamiltonian.hpp"

namespace edcore {

template <typename T> class SectorOperator {
 public:
  SectorOperator(const OperatorCache<T> &cache, std::size_t sector_id);

  std::size_t id() const { return id_; }
  std::size_t dim() const { return sector_.dim; }
  const Sector &sector() const { return sector_; }
  /// \f$ y = H x \f$
  void apply(const T *x, T *y) const;
  /// The dense matrix (column-major, dim x dim).
  void to_dense(T *a) const;
  /// The diagonal of H (constant included).
  const std::vector<double> &diagonal() const { return diag_; }
  /// Upper bound of the spectral radius (largest absolute row sum).
  double norm_bound() const { return norm_; }
  /// Bytes held by this object.
  std::size_t bytes() const { return diag_.size() * sizeof(double) + cross_val_.size() * (sizeof(T) + 8); }

 private:
  const OperatorCache<T> &cache_;
  std::size_t id_;
  Sector sector_;
  std::vector<double> diag_;
  std::vector<const Csr<T> *> mats_;  // per group, null when empty
  std::vector<std::uint32_t> cross_src_, cross_dst_;
  std::vector<T> cross_val_;
  double norm_ = 0.0;
};

/// Apply a single creator (`dagger`) or annihilator of internal group g, local position p,
/// to `ncols` column vectors of sector `src` (leading dimension src.dim), writing columns of
/// sector `dst` (leading dimension dst.dim).  Includes the sign \f$ (-1)^{N_{<g}} \f$.
template <typename T>
void apply_fermion(const SectorSpace &space, const Sector &src, const Sector &dst, int g, int p, bool dagger, const T *x,
                   int ncols, T *y);

}  // namespace edcore
