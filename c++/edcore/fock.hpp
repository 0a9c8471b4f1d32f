#pragma once
/// @file fock.hpp
/// @brief Fock space split into sectors of conserved group particle numbers.
///
/// The spin-orbitals are partitioned into groups \f$ g = 0..G-1 \f$ whose particle numbers
/// \f$ N_g = \sum_{i\in g} n_i \f$ the Hamiltonian conserves.  Internally the orbitals are
/// renumbered group by group (a relabelling of the same operators, so every physical result
/// is unchanged), and a basis state is \f$ |x\rangle = \prod_{g} \prod_{p \in x_g} c^\dagger_{g,p}|0\rangle \f$
/// with the groups in ascending order and each group's occupied local positions ascending.
/// A sector fixes every \f$ N_g \f$; its basis is the product of the per-group patterns with
/// popcount \f$ N_g \f$, indexed in mixed radix (group 0 slowest) by the per-group ranks.
/// The rank of a pattern is its position in ascending numerical order (the combinatorial
/// number system \f$ r(x) = \sum_k \binom{p_k}{k+1} \f$ over its set bits \f$ p_0 < p_1 < \dots \f$).
///
/// With this ordering every fermionic sign factorizes: an operator acting on group g picks
/// up \f$ (-1)^{N_{<g}} \f$ per factor, a constant within a sector, times the sign of the
/// local action on the group's own pattern.
#include <cstdint>
#include <vector>

namespace edcore {

/// Binomial coefficients \f$ \binom{n}{k} \f$ for n <= 64 (as double and, where they fit, as uint64).
double binomial(int n, int k);

/// The states of one group with fixed particle number (or all states when `count < 0`).
struct GroupBasis {
  int size = 0;                      ///< number of orbitals of the group
  int count = 0;                     ///< particle number, or -1 for all patterns
  std::vector<std::uint32_t> patterns;  ///< local bit patterns in ascending order
  GroupBasis() = default;
  GroupBasis(int size, int count);
  std::size_t dim() const { return patterns.size(); }
  /// Rank of a pattern (its index in `patterns`).
  std::uint32_t rank(std::uint32_t pattern) const;
};

/// One sector: the particle number of every group.
struct Sector {
  std::vector<int> counts;            ///< N_g for each group (-1 for a non-conserving group)
  std::vector<std::size_t> dims;      ///< per-group dimensions
  std::vector<std::size_t> strides;   ///< mixed-radix strides (group 0 slowest)
  std::size_t dim = 0;                ///< product of dims
  std::vector<int> n_before;          ///< N_{<g}: particles in the groups before g
};

/// The partition into groups and the list of sectors.
class SectorSpace {
 public:
  /// `groups`: a partition of 0..n_orbitals-1.  `conserving = false` allows a single group
  /// without a fixed particle number (the whole Fock space as one sector).
  SectorSpace(int n_orbitals, const std::vector<std::vector<int>> &groups, bool conserving);

  int n_orbitals() const { return n_orbitals_; }
  int n_groups() const { return static_cast<int>(groups_.size()); }
  bool conserving() const { return conserving_; }
  const std::vector<int> &group(int g) const { return groups_[g]; }
  int group_size(int g) const { return static_cast<int>(groups_[g].size()); }
  /// Group and local position of an external orbital.
  int group_of(int orbital) const { return group_of_[orbital]; }
  int position_of(int orbital) const { return position_of_[orbital]; }

  /// Number of sectors (product of (size_g + 1), or 1 when not conserving).
  std::size_t n_sectors() const { return n_sectors_; }
  /// Dimension of a sector, computed from binomials (no allocation), as double.
  double sector_dim(std::size_t id) const;
  /// Counts of a sector id.
  std::vector<int> counts(std::size_t id) const;
  /// Sector id of given counts (no bounds check).
  std::size_t id(const std::vector<int> &counts) const;
  /// Id of the sector reached by changing N_g by `delta` (+1 or -1), or -1 when out of range.
  long neighbour(std::size_t id, int g, int delta) const;
  /// Full description of a sector (dims, strides, N_{<g}).
  Sector sector(std::size_t id) const;
  /// The local basis of group g with `count` particles (cached).
  const GroupBasis &basis(int g, int count) const;

 private:
  int n_orbitals_;
  bool conserving_;
  std::vector<std::vector<int>> groups_;
  std::vector<int> group_of_, position_of_;
  std::vector<std::size_t> radix_;  // sector-id strides over counts
  std::size_t n_sectors_ = 1;
  mutable std::vector<std::vector<GroupBasis>> bases_;  // [g][count] (count index 0 for non-conserving)
};

/// Sign and result of applying a product of local operators (rightmost first) to a pattern.
/// `ops` holds (dagger, local position); returns false when the result is zero.
bool apply_local(const std::vector<std::pair<bool, int>> &ops, std::uint32_t pattern, std::uint32_t &out, int &sign);

}  // namespace edcore
