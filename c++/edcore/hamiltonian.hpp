#pragma once
/// @file hamiltonian.hpp
/// @brief The Hamiltonian sorted by how its terms act on the sector structure.
///
/// \f[ H = E_c + \underbrace{\sum_t a_t \prod n}_{\text{diagonal}}
///       + \sum_g \underbrace{\sum_{t \in g} a_t O_t}_{\text{within group } g}
///       + \underbrace{\sum_t a_t \prod_{g} O_{t,g}}_{\text{across groups}} \f]
/// Diagonal terms are products of number operators; within-group terms act on one group's
/// pattern only and become a small sparse matrix on that group's basis, applied as a
/// Kronecker factor along the group's axis of a sector vector; the remaining terms
/// (spin flips, pair hopping, ...) factor into local operators of the groups they touch.
/// Every term must conserve every group's particle number (checked here).
#include <array>
#include <cstdint>
#include <vector>

#include "fock.hpp"
#include "terms.hpp"

namespace edcore {

using LocalOps = std::vector<std::pair<bool, int>>;  ///< (dagger, local position), product order

/// \f$ a \prod_k n_{g_k, p_k} \f$
struct DiagTerm {
  double coef;
  std::vector<std::pair<int, int>> occupied;  ///< (group, local position) of each number operator
};

/// Off-diagonal term acting inside one group.
struct LocalTerm {
  cplx coef;
  int group;
  LocalOps ops;
};

/// Off-diagonal term touching several groups: \f$ a\,\sigma \prod_g O_g \f$ with the factors
/// regrouped in ascending group order (\f$\sigma\f$, the regrouping sign, is folded into `coef`).
struct CrossTerm {
  cplx coef;
  std::vector<int> groups;       ///< ascending
  std::vector<LocalOps> parts;   ///< one per group
};

/// Classified Hamiltonian (independent of the scalar type).
class Hamiltonian {
 public:
  /// Classify a normal-ordered hermitian operator; throws invalid_input_error when a term
  /// changes the particle number of a group.
  Hamiltonian(const SectorSpace &space, const NormalOrdered &op);

  const SectorSpace &space() const { return space_; }
  double constant() const { return constant_; }
  bool is_real() const { return is_real_; }
  const std::vector<DiagTerm> &diagonal_terms() const { return diag_; }
  const std::vector<LocalTerm> &local_terms() const { return local_; }
  const std::vector<CrossTerm> &cross_terms() const { return cross_; }
  /// Largest |coefficient| (scale for tolerances).
  double scale() const { return scale_; }

  /// Rigorous lower bound of the lowest eigenvalue in a sector (Weyl's inequality:
  /// exact lowest energy of the one-body part plus a lower bound of every other term).
  double lower_bound(std::size_t sector_id) const;

 private:
  const SectorSpace &space_;
  double constant_ = 0.0;
  bool is_real_ = true;
  double scale_ = 0.0;
  std::vector<DiagTerm> diag_;
  std::vector<LocalTerm> local_;
  std::vector<CrossTerm> cross_;
  // Lower-bound tables: for each variant v, constant part and per group the lowest
  // one-body energy with N particles.
  std::vector<double> bound_constant_;
  std::vector<std::vector<std::vector<double>>> bound_group_;  // [v][g][N]
  void build_bounds();
};

/// A sparse matrix in compressed-row form.
template <typename T> struct Csr {
  std::size_t n = 0;
  std::vector<std::size_t> row;  ///< n + 1 offsets
  std::vector<std::uint32_t> col;
  std::vector<T> val;
  bool empty() const { return val.empty(); }
};

/// One entry of a local operator map: source rank -> target rank with a sign.
struct MapEntry {
  std::uint32_t src, dst;
  int sign;
};

/// Map of a product of local operators from the basis with `count` particles of a group.
std::vector<MapEntry> local_map(const SectorSpace &space, int group, int count, const LocalOps &ops);

/// Caches the per-group matrices of a Hamiltonian for a scalar type.
template <typename T> class OperatorCache {
 public:
  explicit OperatorCache(const Hamiltonian &h);
  const Hamiltonian &hamiltonian() const { return h_; }
  /// Off-diagonal within-group part on group g with `count` particles.
  const Csr<T> &group_matrix(int g, int count) const;
  /// Diagonal within-group part (local diagonal terms) on group g with `count` particles.
  const std::vector<double> &group_diagonal(int g, int count) const;
  /// Local map of part `k` of cross term `t` on its group with `count` particles.
  const std::vector<MapEntry> &cross_map(std::size_t t, std::size_t k, int count) const;
  /// Bytes held.
  std::size_t bytes() const;

 private:
  const Hamiltonian &h_;
  mutable std::vector<std::vector<Csr<T>>> mats_;
  mutable std::vector<std::vector<bool>> mats_done_;
  mutable std::vector<std::vector<std::vector<double>>> diags_;
  mutable std::vector<std::vector<bool>> diags_done_;
  mutable std::vector<std::vector<std::vector<std::vector<MapEntry>>>> cross_maps_;  // [t][k][count]
  mutable std::vector<std::vector<std::vector<bool>>> cross_done_;
};

}  // namespace edcore
