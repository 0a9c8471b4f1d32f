#include "fock.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "errors.hpp"

namespace edcore {

double binomial(int n, int k) {
  if (k < 0 || k > n) return 0.0;
  double r = 1.0;
  k = std::min(k, n - k);
  for (int i = 1; i <= k; ++i) r = r * (n - k + i) / i;
  return std::round(r);
}

namespace {
std::uint64_t binom_u64(int n, int k) {
  if (k < 0 || k > n) return 0;
  std::uint64_t r = 1;
  k = std::min(k, n - k);
  for (int i = 1; i <= k; ++i) r = r * static_cast<std::uint64_t>(n - k + i) / static_cast<std::uint64_t>(i);
  return r;
}
}  // namespace

GroupBasis::GroupBasis(int size_, int count_) : size(size_), count(count_) {
  if (size > 31) throw resource_limit_error("a conserved group of " + std::to_string(size) + " spin-orbitals is too large (at most 31)");
  if (count < 0) {
    const std::uint32_t n = 1u << size;
    patterns.resize(n);
    for (std::uint32_t x = 0; x < n; ++x) patterns[x] = x;
    return;
  }
  const std::uint64_t dim = binom_u64(size, count);
  patterns.reserve(dim);
  if (count == 0) {
    patterns.push_back(0);
    return;
  }
  // Gosper's hack: all patterns with `count` bits in ascending order.
  std::uint64_t x = (std::uint64_t(1) << count) - 1;
  const std::uint64_t limit = std::uint64_t(1) << size;
  while (x < limit) {
    patterns.push_back(static_cast<std::uint32_t>(x));
    const std::uint64_t c = x & (~x + 1), r = x + c;
    x = (((r ^ x) >> 2) / c) | r;
  }
}

std::uint32_t GroupBasis::rank(std::uint32_t pattern) const {
  if (count < 0) return pattern;
  std::uint64_t r = 0;
  int k = 0;
  for (int p = 0; p < size; ++p) {
    if (pattern >> p & 1u) {
      ++k;
      r += binom_u64(p, k);
    }
  }
  return static_cast<std::uint32_t>(r);
}

SectorSpace::SectorSpace(int n_orbitals, const std::vector<std::vector<int>> &groups, bool conserving)
    : n_orbitals_(n_orbitals), conserving_(conserving), groups_(groups) {
  if (n_orbitals < 0) throw invalid_input_error("the number of spin-orbitals is negative");
  if (n_orbitals > 64)
    throw resource_limit_error("n_orbitals = " + std::to_string(n_orbitals) + " spin-orbitals: the Fock space of 2^" +
                               std::to_string(n_orbitals) + " states is far beyond any memory (at most 64)");
  group_of_.assign(n_orbitals, -1);
  position_of_.assign(n_orbitals, -1);
  for (auto &g : groups_) std::sort(g.begin(), g.end());
  groups_.erase(std::remove_if(groups_.begin(), groups_.end(), [](const std::vector<int> &g) { return g.empty(); }),
                groups_.end());
  for (std::size_t g = 0; g < groups_.size(); ++g) {
    for (std::size_t p = 0; p < groups_[g].size(); ++p) {
      const int o = groups_[g][p];
      if (o < 0 || o >= n_orbitals)
        throw invalid_input_error("groups: orbital " + std::to_string(o) + " is out of range 0.." + std::to_string(n_orbitals - 1));
      if (group_of_[o] >= 0) throw invalid_input_error("groups: orbital " + std::to_string(o) + " appears in two groups");
      group_of_[o] = static_cast<int>(g);
      position_of_[o] = static_cast<int>(p);
    }
  }
  for (int o = 0; o < n_orbitals; ++o)
    if (group_of_[o] < 0) throw invalid_input_error("groups: orbital " + std::to_string(o) + " is in no group (groups must partition the orbitals)");
  if (!conserving && groups_.size() > 1)
    throw invalid_input_error("without particle-number conservation all orbitals must form a single group");
  radix_.assign(groups_.size(), 1);
  n_sectors_ = 1;
  if (conserving) {
    for (int g = static_cast<int>(groups_.size()) - 1; g >= 0; --g) {
      radix_[g] = n_sectors_;
      const double next = static_cast<double>(n_sectors_) * (groups_[g].size() + 1);
      if (next > 5e7) throw resource_limit_error("too many sectors (" + std::to_string(next) + "): merge conserved groups");
      n_sectors_ *= groups_[g].size() + 1;
    }
  }
  bases_.resize(groups_.size());
  for (std::size_t g = 0; g < groups_.size(); ++g) bases_[g].resize(conserving ? groups_[g].size() + 1 : 1);
}

std::vector<int> SectorSpace::counts(std::size_t id) const {
  std::vector<int> c(groups_.size());
  if (!conserving_) {
    c.assign(groups_.size(), -1);
    return c;
  }
  for (std::size_t g = 0; g < groups_.size(); ++g) c[g] = static_cast<int>(id / radix_[g] % (groups_[g].size() + 1));
  return c;
}

std::size_t SectorSpace::id(const std::vector<int> &counts) const {
  if (!conserving_) return 0;
  std::size_t r = 0;
  for (std::size_t g = 0; g < groups_.size(); ++g) r += static_cast<std::size_t>(counts[g]) * radix_[g];
  return r;
}

long SectorSpace::neighbour(std::size_t id, int g, int delta) const {
  if (!conserving_) return static_cast<long>(id);
  const int n = static_cast<int>(id / radix_[g] % (groups_[g].size() + 1)) + delta;
  if (n < 0 || n > static_cast<int>(groups_[g].size())) return -1;
  return static_cast<long>(id) + delta * static_cast<long>(radix_[g]);
}

double SectorSpace::sector_dim(std::size_t id) const {
  if (!conserving_) return std::ldexp(1.0, n_orbitals_);
  double d = 1.0;
  const auto c = counts(id);
  for (std::size_t g = 0; g < groups_.size(); ++g) d *= binomial(static_cast<int>(groups_[g].size()), c[g]);
  return d;
}

Sector SectorSpace::sector(std::size_t id) const {
  Sector s;
  s.counts = counts(id);
  const std::size_t G = groups_.size();
  s.dims.resize(G);
  s.strides.resize(G);
  s.n_before.resize(G);
  int before = 0;
  for (std::size_t g = 0; g < G; ++g) {
    s.dims[g] = conserving_ ? static_cast<std::size_t>(binom_u64(static_cast<int>(groups_[g].size()), s.counts[g]))
                            : (std::size_t(1) << groups_[g].size());
    s.n_before[g] = before;
    if (conserving_) before += s.counts[g];
  }
  std::size_t stride = 1;
  for (int g = static_cast<int>(G) - 1; g >= 0; --g) {
    s.strides[g] = stride;
    stride *= s.dims[g];
  }
  s.dim = stride;
  return s;
}

const GroupBasis &SectorSpace::basis(int g, int count) const {
  GroupBasis &b = bases_[g][conserving_ ? count : 0];
  if (b.size == 0 && b.patterns.empty()) b = GroupBasis(static_cast<int>(groups_[g].size()), conserving_ ? count : -1);
  return b;
}

bool apply_local(const std::vector<std::pair<bool, int>> &ops, std::uint32_t x, std::uint32_t &out, int &sign) {
  sign = 1;
  for (auto it = ops.rbegin(); it != ops.rend(); ++it) {
    const std::uint32_t bit = 1u << it->second;
    const bool occupied = (x & bit) != 0;
    if (it->first == occupied) return false;  // c+ on occupied or c on empty
    if (__builtin_popcount(x & (bit - 1)) & 1) sign = -sign;
    x ^= bit;
  }
  out = x;
  return true;
}

}  // namespace edcore
