#include "green.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

#include "errors.hpp"
#include "linalg.hpp"

namespace edcore {

void merge_poles(int n, std::vector<double> &energies, std::vector<cplx> &residues, double tol, double cutoff) {
  const std::size_t P = energies.size(), nn = static_cast<std::size_t>(n) * n;
  std::vector<std::size_t> order(P);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return energies[a] < energies[b]; });
  auto trace = [&](std::size_t p) {
    double t = 0.0;
    for (int i = 0; i < n; ++i) t += residues[p * nn + i * (n + 1)].real();
    return t;
  };
  std::vector<double> e_out;
  std::vector<cplx> r_out;
  std::size_t k = 0;
  while (k < P) {
    // A cluster: consecutive poles within tol of the cluster's first pole.
    const double e_first = energies[order[k]];
    std::vector<cplx> r(nn, 0.0);
    double wsum = 0.0, ewsum = 0.0, esum = 0.0;
    std::size_t l = k;
    for (; l < P && energies[order[l]] - e_first <= tol * std::max(1.0, std::abs(e_first)); ++l) {
      const std::size_t p = order[l];
      for (std::size_t i = 0; i < nn; ++i) r[i] += residues[p * nn + i];
      const double w = trace(p);
      wsum += w;
      ewsum += w * energies[p];
      esum += energies[p];
    }
    const double e = wsum > 0 ? ewsum / wsum : esum / double(l - k);
    double t = 0.0;
    for (int i = 0; i < n; ++i) t += r[i * (n + 1)].real();
    if (t > cutoff) {
      e_out.push_back(e);
      r_out.insert(r_out.end(), r.begin(), r.end());
    }
    k = l;
  }
  energies.swap(e_out);
  residues.swap(r_out);
}

namespace {

/// The orbitals of a block that belong to one group: positions in the block and local positions.
struct SubBlock {
  int group;
  std::vector<int> block_pos;
  std::vector<int> local_pos;
};

}  // namespace

template <typename T>
std::vector<BlockPoles> green_functions(Spectrum<T> &spec, const std::vector<std::vector<int>> &blocks, const GreenOptions &opt,
                                        long &matvecs, std::vector<std::string> &warnings,
                                        const std::vector<int> &block_image) {
  const SectorSpace &sp = spec.cache().hamiltonian().space();
  // acc[0]: contributions of states without an image; acc[1]: of states with one (added to
  // their block and to the image block at the end); acc[2]: of states of a self-mapped sector,
  // computed for one block of each exchanged pair only (the sum over the sector's kept states,
  // complete multiplets, is the same for a block and its image), added to both.
  const bool sym = !block_image.empty();
  std::vector<BlockPoles> acc[3] = {std::vector<BlockPoles>(blocks.size()), std::vector<BlockPoles>(blocks.size()),
                                    std::vector<BlockPoles>(blocks.size())};
  std::vector<std::vector<SubBlock>> subs(blocks.size());
  for (std::size_t b = 0; b < blocks.size(); ++b) {
    const int n = static_cast<int>(blocks[b].size());
    for (auto &a : acc) {
      a[b].n = n;
      a[b].density.assign(static_cast<std::size_t>(n) * n, 0.0);
    }
    std::map<int, SubBlock> by_group;
    for (int i = 0; i < n; ++i) {
      const int o = blocks[b][i];
      auto &s = by_group[sp.group_of(o)];
      s.group = sp.group_of(o);
      s.block_pos.push_back(i);
      s.local_pos.push_back(sp.position_of(o));
    }
    for (auto &[g, s] : by_group) subs[b].push_back(s);
  }

  // Kept states grouped by sector.
  std::map<std::size_t, std::vector<std::size_t>> by_sector;
  for (std::size_t i = 0; i < spec.states().size(); ++i)
    if (spec.states()[i].mirror_of < 0) by_sector[spec.states()[i].sector_id].push_back(i);

  for (const auto &[sid, idx] : by_sector) {
    const int ns = static_cast<int>(idx.size());
    const Sector src = sp.sector(sid);
    const std::size_t ds = src.dim;
    // The kept states of this sector as columns.
    std::vector<T> psi(ds * ns);
    for (int c = 0; c < ns; ++c) {
      const auto &st = spec.states()[idx[c]];
      const T *v = st.dense_index >= 0 ? spec.dense(sid).vectors.data() + static_cast<std::size_t>(st.dense_index) * ds
                                       : st.vector.data();
      std::copy(v, v + ds, psi.begin() + static_cast<std::size_t>(c) * ds);
    }
    const bool self = sym && spec.self_mapped(sid);
    for (std::size_t b = 0; b < blocks.size(); ++b) {
      if (self && block_image[b] < static_cast<int>(b)) continue;  // its image's twin is computed
      const int nb = acc[0][b].n;
      auto slot = [&](const KeptState<T> &st) -> BlockPoles & { return acc[self ? 2 : (st.has_mirror ? 1 : 0)][b]; };
      for (const auto &sub : subs[b]) {
        const int k = static_cast<int>(sub.local_pos.size());
        for (int kind = 0; kind < 2; ++kind) {  // 0: particle (c+), 1: hole (c)
          const bool dag = kind == 0;
          const long tid = sp.neighbour(sid, sub.group, dag ? +1 : -1);
          if (tid < 0) continue;
          const Sector dst = sp.sector(static_cast<std::size_t>(tid));
          const std::size_t dt = dst.dim;
          // X: column (state c, orbital r) at c * k + r.
          std::vector<T> X(dt * ns * k), tmp(dt * ns);
          for (int r = 0; r < k; ++r) {
            apply_fermion<T>(sp, src, dst, sub.group, sub.local_pos[r], dag, psi.data(), ns, tmp.data());
            for (int c = 0; c < ns; ++c)
              std::copy(tmp.begin() + static_cast<std::size_t>(c) * dt, tmp.begin() + static_cast<std::size_t>(c + 1) * dt,
                        X.begin() + static_cast<std::size_t>(c * k + r) * dt);
          }
          if (!dag) {  // density matrix rho_ij = <c+_j c_i> = sum_n w_n <c_j n | c_i n>
            for (int c = 0; c < ns; ++c) {
              const auto &st = spec.states()[idx[c]];
              auto &out = slot(st);
              for (int i = 0; i < k; ++i)
                for (int j = 0; j < k; ++j) {
                  const T v = dot<T>(dt, X.data() + static_cast<std::size_t>(c * k + j) * dt,
                                     X.data() + static_cast<std::size_t>(c * k + i) * dt);
                  out.density[sub.block_pos[i] * nb + sub.block_pos[j]] += st.weight * cplx(v);
                }
            }
          }
          const std::size_t nn = static_cast<std::size_t>(nb) * nb;
          if (spec.dense_target(static_cast<std::size_t>(tid), static_cast<std::size_t>(ns * k))) {
            const auto &D = spec.dense(static_cast<std::size_t>(tid));
            std::vector<T> P(dt * ns * k);  // P = U^+ X
            gemm_ah_b<T>(static_cast<int>(dt), ns * k, static_cast<int>(dt), D.vectors.data(), static_cast<int>(dt), X.data(),
                         static_cast<int>(dt), P.data(), static_cast<int>(dt));
            for (int c = 0; c < ns; ++c) {
              const auto &st = spec.states()[idx[c]];
              auto &E = slot(st).energies;
              auto &R = slot(st).residues;
              for (std::size_t m = 0; m < dt; ++m) {
                double tr = 0.0;
                for (int r = 0; r < k; ++r) tr += abs2(P[m + static_cast<std::size_t>(c * k + r) * dt]);
                if (st.weight * tr <= opt.weight_cutoff) continue;
                E.push_back(dag ? D.energies[m] - st.energy : st.energy - D.energies[m]);
                const std::size_t base = R.size();
                R.resize(base + nn, 0.0);
                for (int i = 0; i < k; ++i)
                  for (int j = 0; j < k; ++j) {
                    const cplx pi = P[m + static_cast<std::size_t>(c * k + i) * dt];
                    const cplx pj = P[m + static_cast<std::size_t>(c * k + j) * dt];
                    // particle: w <n|c_i|m><m|c+_j|n> = w conj(P_mi) P_mj ; hole: w <n|c+_j|m><m|c_i|n> = w P_mi conj(P_mj)
                    const cplx v = dag ? std::conj(pi) * pj : pi * std::conj(pj);
                    R[base + sub.block_pos[i] * nb + sub.block_pos[j]] = st.weight * v;
                  }
              }
            }
          } else {
            const auto &h = spec.op(static_cast<std::size_t>(tid));
            for (int c = 0; c < ns; ++c) {
              const auto &st = spec.states()[idx[c]];
              auto &E = slot(st).energies;
              auto &R = slot(st).residues;
              const auto pl = block_lanczos_poles<T>(h, X.data() + static_cast<std::size_t>(c * k) * dt, k, st.energy,
                                                     dag ? +1 : -1, opt.lanczos, matvecs, warnings);
              const std::size_t P = pl.energies.size();
              for (std::size_t p = 0; p < P; ++p) {
                const T *Rp = pl.residues.data() + p * k * k;
                double tr = 0.0;
                for (int r = 0; r < k; ++r) tr += real_part(Rp[r * k + r]);
                if (st.weight * tr <= opt.weight_cutoff) continue;
                E.push_back(pl.energies[p]);
                const std::size_t base = R.size();
                R.resize(base + nn, 0.0);
                // F_ij = <x_i|..|x_j>: particle G_ij = F_ij, hole G_ij = F_ji.
                for (int i = 0; i < k; ++i)
                  for (int j = 0; j < k; ++j)
                    R[base + sub.block_pos[i] * nb + sub.block_pos[j]] = st.weight * cplx(dag ? Rp[i * k + j] : Rp[j * k + i]);
              }
            }
          }
        }
      }
    }
  }
  std::vector<BlockPoles> out = std::move(acc[0]);
  auto add = [&](std::size_t t, const BlockPoles &m) {
    out[t].energies.insert(out[t].energies.end(), m.energies.begin(), m.energies.end());
    out[t].residues.insert(out[t].residues.end(), m.residues.begin(), m.residues.end());
    for (std::size_t i = 0; i < m.density.size(); ++i) out[t].density[i] += m.density[i];
  };
  if (sym) {
    for (std::size_t b = 0; b < blocks.size(); ++b) {
      const std::size_t image = static_cast<std::size_t>(block_image[b]);
      add(b, acc[1][b]);      // the state itself
      add(image, acc[1][b]);  // its image (twice into b when b is its own image)
      if (image >= b) {
        add(b, acc[2][b]);
        if (image != b) add(image, acc[2][b]);
      }
    }
  }
  for (auto &bp : out) merge_poles(bp.n, bp.energies, bp.residues, opt.merge_tol, opt.weight_cutoff);
  return out;
}

template std::vector<BlockPoles> green_functions<double>(Spectrum<double> &, const std::vector<std::vector<int>> &,
                                                         const GreenOptions &, long &, std::vector<std::string> &,
                                                         const std::vector<int> &);
template std::vector<BlockPoles> green_functions<cplx>(Spectrum<cplx> &, const std::vector<std::vector<int>> &,
                                                       const GreenOptions &, long &, std::vector<std::string> &,
                                                       const std::vector<int> &);

}  // namespace edcore
