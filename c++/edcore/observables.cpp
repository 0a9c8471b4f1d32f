#include "observables.hpp"

#include <cmath>
#include <map>
#include <unordered_map>

#include "errors.hpp"

namespace edcore {

template <typename T>
std::vector<double> occupation_correlations(Spectrum<T> &spec, const std::vector<int> &observed,
                                            const std::vector<int> &observed_image) {
  const SectorSpace &sp = spec.cache().hamiltonian().space();
  const int no = static_cast<int>(observed.size());
  std::vector<double> nn(static_cast<std::size_t>(no) * no, 0.0);
  if (no == 0) return nn;
  if (no > 32) throw invalid_input_error("at most 32 observed orbitals");
  // Probability of each configuration of the observed orbitals; hist[1] holds the states that
  // have an image under the symmetry (their images are not stored).
  std::unordered_map<std::uint32_t, double> hist[2];
  std::map<std::size_t, std::vector<std::size_t>> by_sector;
  for (std::size_t i = 0; i < spec.states().size(); ++i)
    if (spec.states()[i].mirror_of < 0) by_sector[spec.states()[i].sector_id].push_back(i);
  for (const auto &[sid, idx] : by_sector) {
    const Sector s = sp.sector(sid);
    // Key of every basis state: bit a set when observed orbital a is occupied.
    std::vector<std::uint32_t> key(1, 0);
    for (int g = 0; g < sp.n_groups(); ++g) {
      const GroupBasis &b = sp.basis(g, s.counts[g]);
      std::vector<std::uint32_t> kg(b.dim(), 0);
      for (int a = 0; a < no; ++a) {
        const int o = observed[a];
        if (sp.group_of(o) != g) continue;
        const std::uint32_t bit = 1u << sp.position_of(o);
        for (std::size_t r = 0; r < b.dim(); ++r)
          if (b.patterns[r] & bit) kg[r] |= 1u << a;
      }
      std::vector<std::uint32_t> next(key.size() * b.dim());
      for (std::size_t i = 0; i < key.size(); ++i)
        for (std::size_t r = 0; r < b.dim(); ++r) next[i * b.dim() + r] = key[i] | kg[r];
      key.swap(next);
    }
    const bool table = no <= 20;
    for (int mirrored = 0; mirrored < 2; ++mirrored) {
      std::vector<double> local(table ? (std::size_t(1) << no) : 0, 0.0);
      std::unordered_map<std::uint32_t, double> local_map;
      for (std::size_t i : idx) {
        const auto &st = spec.states()[i];
        if (st.has_mirror != static_cast<bool>(mirrored)) continue;
        const T *v = st.dense_index >= 0 ? spec.dense(sid).vectors.data() + static_cast<std::size_t>(st.dense_index) * s.dim
                                         : st.vector.data();
        if (table)
          for (std::size_t x = 0; x < s.dim; ++x) local[key[x]] += st.weight * abs2(v[x]);
        else
          for (std::size_t x = 0; x < s.dim; ++x) local_map[key[x]] += st.weight * abs2(v[x]);
      }
      for (std::size_t k = 0; k < local.size(); ++k)
        if (local[k] != 0.0) hist[mirrored][static_cast<std::uint32_t>(k)] += local[k];
      for (const auto &[k, p] : local_map) hist[mirrored][k] += p;
    }
  }
  std::vector<double> part[2] = {std::vector<double>(nn.size(), 0.0), std::vector<double>(nn.size(), 0.0)};
  for (int h = 0; h < 2; ++h)
    for (const auto &[k, p] : hist[h])
      for (int a = 0; a < no; ++a)
        if (k >> a & 1u)
          for (int b = 0; b < no; ++b)
            if (k >> b & 1u) part[h][a * no + b] += p;
  // The image of a state contributes <n_a n_b>_image = <n_pi(a) n_pi(b)>_original.
  for (int a = 0; a < no; ++a)
    for (int b = 0; b < no; ++b) {
      nn[a * no + b] = part[0][a * no + b] + part[1][a * no + b];
      if (!observed_image.empty()) nn[a * no + b] += part[1][observed_image[a] * no + observed_image[b]];
    }
  return nn;
}

template <typename T> double thermal_energy(const Spectrum<T> &spec) {
  double e = 0.0;
  for (const auto &s : spec.states()) e += s.weight * s.energy;
  return e;
}

template std::vector<double> occupation_correlations<double>(Spectrum<double> &, const std::vector<int> &,
                                                            const std::vector<int> &);
template std::vector<double> occupation_correlations<cplx>(Spectrum<cplx> &, const std::vector<int> &, const std::vector<int> &);
template double thermal_energy<double>(const Spectrum<double> &);
template double thermal_energy<cplx>(const Spectrum<cplx> &);

}  // namespace edcore
