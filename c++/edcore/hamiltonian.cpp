#include "hamiltonian.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>

#include "errors.hpp"
#include "linalg.hpp"

namespace edcore {

Hamiltonian::Hamiltonian(const SectorSpace &space, const NormalOrdered &op) : space_(space) {
  constant_ = op.constant.real();
  for (const auto &[m, a] : op.terms) {
    scale_ = std::max(scale_, std::abs(a));
    if (a.imag() != 0.0) is_real_ = false;
    for (const auto &o : m)
      if (o.orbital < 0 || o.orbital >= space.n_orbitals())
        throw invalid_input_error("term " + to_string(m) + ": orbital " + std::to_string(o.orbital) + " is out of range 0.." +
                                  std::to_string(space.n_orbitals() - 1));
    // Particle-number conservation of every group.
    if (space.conserving()) {
      std::vector<int> balance(space.n_groups(), 0);
      for (const auto &o : m) balance[space.group_of(o.orbital)] += o.dagger ? 1 : -1;
      for (int g = 0; g < space.n_groups(); ++g) {
        if (balance[g] != 0) {
          std::string orbs;
          for (int o : space.group(g)) orbs += (orbs.empty() ? "" : ", ") + std::to_string(o);
          throw invalid_input_error("the Hamiltonian does not conserve the particle number of the group of orbitals {" +
                                    orbs + "}: term (" + std::to_string(a.real()) + (a.imag() ? "+" + std::to_string(a.imag()) + "j" : "") +
                                    ") " + to_string(m) + ". Use coarser conserved groups.");
        }
      }
    }
    if (is_diagonal(m)) {
      DiagTerm d{a.real(), {}};
      for (std::size_t k = 0; k < m.size() / 2; ++k)
        d.occupied.emplace_back(space.group_of(m[k].orbital), space.position_of(m[k].orbital));
      diag_.push_back(std::move(d));
      continue;
    }
    std::vector<int> gs;
    for (const auto &o : m) gs.push_back(space.group_of(o.orbital));
    std::vector<int> distinct(gs);
    std::sort(distinct.begin(), distinct.end());
    distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
    if (distinct.size() == 1) {
      LocalTerm t{a, distinct[0], {}};
      for (const auto &o : m) t.ops.emplace_back(o.dagger, space.position_of(o.orbital));
      local_.push_back(std::move(t));
      continue;
    }
    // Regroup the factors in ascending group order (stable); each transposition of two
    // factors of different groups (hence different orbitals) flips the sign.
    int inversions = 0;
    for (std::size_t i = 0; i < gs.size(); ++i)
      for (std::size_t j = i + 1; j < gs.size(); ++j)
        if (gs[i] > gs[j]) ++inversions;
    CrossTerm c{(inversions % 2) ? -a : a, distinct, std::vector<LocalOps>(distinct.size())};
    for (std::size_t k = 0; k < distinct.size(); ++k)
      for (const auto &o : m)
        if (space.group_of(o.orbital) == distinct[k]) c.parts[k].emplace_back(o.dagger, space.position_of(o.orbital));
    cross_.push_back(std::move(c));
  }
  if (space.conserving()) build_bounds();
}

void Hamiltonian::build_bounds() {
  const int G = space_.n_groups();
  // Variant 0: one-body part as is, every other term bounded by its own lowest eigenvalue.
  // Variant 1: each density-density pair a n_i n_j rewritten as
  //   a (n_i - 1/2)(n_j - 1/2) + a/2 (n_i + n_j) - a/4, the first part >= -|a|/4.
  for (int v = 0; v < 2; ++v) {
    std::vector<std::vector<cplx>> h(G);
    for (int g = 0; g < G; ++g) h[g].assign(space_.group_size(g) * space_.group_size(g), 0.0);
    auto H = [&](int g, int p, int q) -> cplx & { return h[g][p + q * space_.group_size(g)]; };
    double c = 0.0;
    for (const auto &d : diag_) {
      if (d.occupied.size() == 1) {
        H(d.occupied[0].first, d.occupied[0].second, d.occupied[0].second) += d.coef;
      } else if (v == 1 && d.occupied.size() == 2) {
        H(d.occupied[0].first, d.occupied[0].second, d.occupied[0].second) += 0.5 * d.coef;
        H(d.occupied[1].first, d.occupied[1].second, d.occupied[1].second) += 0.5 * d.coef;
        c += -0.25 * d.coef - 0.25 * std::abs(d.coef);
      } else {
        c += std::min(0.0, d.coef);
      }
    }
    for (const auto &t : local_) {
      if (t.ops.size() == 2) H(t.group, t.ops[0].second, t.ops[1].second) += t.coef;  // c+_p c_q
      else c -= 0.5 * std::abs(t.coef);  // (a O + a* O^+) has norm |a| when O^2 = 0
    }
    for (const auto &t : cross_) c -= 0.5 * std::abs(t.coef);
    bound_constant_.push_back(c);
    std::vector<std::vector<double>> per_group(G);
    for (int g = 0; g < G; ++g) {
      const int L = space_.group_size(g);
      std::vector<double> w(L);
      std::vector<cplx> a(h[g]);
      heev<cplx>(L, a.data(), w.data());
      per_group[g].assign(L + 1, 0.0);
      for (int n = 1; n <= L; ++n) per_group[g][n] = per_group[g][n - 1] + w[n - 1];
    }
    bound_group_.push_back(std::move(per_group));
  }
}

double Hamiltonian::lower_bound(std::size_t id) const {
  if (!space_.conserving()) return -std::numeric_limits<double>::infinity();
  const auto counts = space_.counts(id);
  double best = -std::numeric_limits<double>::infinity();
  for (std::size_t v = 0; v < bound_constant_.size(); ++v) {
    double b = bound_constant_[v];
    for (int g = 0; g < space_.n_groups(); ++g) b += bound_group_[v][g][counts[g]];
    best = std::max(best, b);
  }
  // Round-off margin so the bound stays below the computed eigenvalues.
  return constant_ + best - 1e-10 * (1.0 + std::abs(best));
}

std::vector<MapEntry> local_map(const SectorSpace &space, int group, int count, const LocalOps &ops) {
  int delta = 0;
  for (const auto &o : ops) delta += o.first ? 1 : -1;
  std::vector<MapEntry> out;
  const int size = space.group_size(group);
  const int target = space.conserving() ? count + delta : count;
  if (space.conserving() && (target < 0 || target > size)) return out;
  const GroupBasis &src = space.basis(group, count);
  const GroupBasis &dst = space.basis(group, target);
  for (std::size_t j = 0; j < src.dim(); ++j) {
    std::uint32_t x;
    int sign;
    if (apply_local(ops, src.patterns[j], x, sign)) out.push_back({static_cast<std::uint32_t>(j), dst.rank(x), sign});
  }
  return out;
}

template <typename T> OperatorCache<T>::OperatorCache(const Hamiltonian &h) : h_(h) {
  const auto &sp = h.space();
  const int G = sp.n_groups();
  mats_.resize(G);
  mats_done_.resize(G);
  diags_.resize(G);
  diags_done_.resize(G);
  for (int g = 0; g < G; ++g) {
    const int n = sp.conserving() ? sp.group_size(g) + 1 : 1;
    mats_[g].resize(n);
    mats_done_[g].assign(n, false);
    diags_[g].resize(n);
    diags_done_[g].assign(n, false);
  }
  cross_maps_.resize(h.cross_terms().size());
  cross_done_.resize(h.cross_terms().size());
  for (std::size_t t = 0; t < h.cross_terms().size(); ++t) {
    const auto &ct = h.cross_terms()[t];
    cross_maps_[t].resize(ct.groups.size());
    cross_done_[t].resize(ct.groups.size());
    for (std::size_t k = 0; k < ct.groups.size(); ++k) {
      cross_maps_[t][k].resize(sp.group_size(ct.groups[k]) + 1);
      cross_done_[t][k].assign(sp.group_size(ct.groups[k]) + 1, false);
    }
  }
}

template <typename T> const Csr<T> &OperatorCache<T>::group_matrix(int g, int count) const {
  const auto &sp = h_.space();
  const int ci = sp.conserving() ? count : 0;
  if (mats_done_[g][ci]) return mats_[g][ci];
  struct Entry {
    std::uint32_t i, j;
    T v;
  };
  std::vector<Entry> entries;
  for (const auto &t : h_.local_terms()) {
    if (t.group != g) continue;
    for (const auto &e : local_map(sp, g, count, t.ops)) entries.push_back({e.dst, e.src, from_complex<T>(t.coef * double(e.sign))});
  }
  std::sort(entries.begin(), entries.end(), [](const Entry &a, const Entry &b) { return a.i != b.i ? a.i < b.i : a.j < b.j; });
  Csr<T> m;
  m.n = sp.basis(g, count).dim();
  m.row.assign(m.n + 1, 0);
  for (std::size_t k = 0; k < entries.size();) {
    std::size_t l = k;
    T v = 0;
    while (l < entries.size() && entries[l].i == entries[k].i && entries[l].j == entries[k].j) v += entries[l++].v;
    if (v != T(0)) {
      m.col.push_back(entries[k].j);
      m.val.push_back(v);
      m.row[entries[k].i + 1]++;
    }
    k = l;
  }
  for (std::size_t i = 0; i < m.n; ++i) m.row[i + 1] += m.row[i];
  mats_[g][ci] = std::move(m);
  mats_done_[g][ci] = true;
  return mats_[g][ci];
}

template <typename T> const std::vector<double> &OperatorCache<T>::group_diagonal(int g, int count) const {
  const auto &sp = h_.space();
  const int ci = sp.conserving() ? count : 0;
  if (diags_done_[g][ci]) return diags_[g][ci];
  const GroupBasis &b = sp.basis(g, count);
  std::vector<double> d(b.dim(), 0.0);
  for (const auto &t : h_.diagonal_terms()) {
    bool local = true;
    std::uint32_t mask = 0;
    for (const auto &[gg, p] : t.occupied) {
      if (gg != g) local = false;
      mask |= 1u << p;
    }
    if (!local) continue;
    for (std::size_t j = 0; j < b.dim(); ++j)
      if ((b.patterns[j] & mask) == mask) d[j] += t.coef;
  }
  diags_[g][ci] = std::move(d);
  diags_done_[g][ci] = true;
  return diags_[g][ci];
}

template <typename T> const std::vector<MapEntry> &OperatorCache<T>::cross_map(std::size_t t, std::size_t k, int count) const {
  if (!cross_done_[t][k][count]) {
    const auto &ct = h_.cross_terms()[t];
    cross_maps_[t][k][count] = local_map(h_.space(), ct.groups[k], count, ct.parts[k]);
    cross_done_[t][k][count] = true;
  }
  return cross_maps_[t][k][count];
}

template <typename T> std::size_t OperatorCache<T>::bytes() const {
  std::size_t b = 0;
  for (const auto &v : mats_)
    for (const auto &m : v) b += m.val.size() * (sizeof(T) + 4) + m.row.size() * sizeof(std::size_t);
  for (const auto &v : diags_)
    for (const auto &d : v) b += d.size() * sizeof(double);
  for (const auto &t : cross_maps_)
    for (const auto &k : t)
      for (const auto &m : k) b += m.size() * sizeof(MapEntry);
  return b;
}

template class OperatorCache<double>;
template class OperatorCache<cplx>;

}  // namespace edcore
