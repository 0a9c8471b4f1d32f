#include "spectrum.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "errors.hpp"
#include "linalg.hpp"

namespace edcore {

template <typename T>
Spectrum<T>::Spectrum(const OperatorCache<T> &cache, const SpectrumOptions &opt, std::vector<std::size_t> mirror)
    : cache_(cache), opt_(opt), mirror_(std::move(mirror)) {
  window_ = std::isinf(opt.beta) ? opt.degeneracy_tol : std::log(1.0 / opt.boltzmann_cutoff) / opt.beta;
}

template <typename T> bool Spectrum<T>::is_dense(std::size_t id) const {
  return cache_.hamiltonian().space().sector_dim(id) <= static_cast<double>(opt_.dense_max_dim);
}

template <typename T> const SectorOperator<T> &Spectrum<T>::op(std::size_t id) {
  auto it = ops_.find(id);
  if (it != ops_.end()) return *it->second;
  auto p = std::make_unique<SectorOperator<T>>(cache_, id);
  const SectorOperator<T> &ref = *p;
  ops_.emplace(id, std::move(p));
  return ref;
}

template <typename T> const DenseSector<T> &Spectrum<T>::dense(std::size_t id) {
  auto it = dense_.find(id);
  if (it != dense_.end()) return it->second;
  SectorOperator<T> h(cache_, id);
  DenseSector<T> d;
  d.id = id;
  d.sector = h.sector();
  const std::size_t n = h.dim();
  d.vectors.resize(n * n);
  d.energies.resize(n);
  h.to_dense(d.vectors.data());
  heev<T>(static_cast<int>(n), d.vectors.data(), d.energies.data());
  return dense_.emplace(id, std::move(d)).first->second;
}

template <typename T> void Spectrum<T>::compute() {
  const Hamiltonian &H = cache_.hamiltonian();
  const SectorSpace &sp = H.space();
  const std::size_t ns = sp.n_sectors();
  std::vector<double> bound(ns);
  for (std::size_t id = 0; id < ns; ++id) bound[id] = H.lower_bound(id);
  std::vector<std::size_t> order(ns);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return bound[a] < bound[b]; });

  const double inf = std::numeric_limits<double>::infinity();
  double e0 = inf;
  double lanczos_bytes = 0.0;
  std::map<std::size_t, std::vector<Eigenpair<T>>> lanczos_states;
  std::map<std::size_t, std::size_t> visited;  // sector id -> report index
  for (std::size_t id : order) {
    if (bound[id] > e0 + window_) break;
    SectorReport rep{id, sp.counts(id), static_cast<std::size_t>(sp.sector_dim(id)), "", bound[id], inf, 0};
    if (!mirror_.empty() && mirror_[id] != id) {
      auto it = visited.find(mirror_[id]);
      if (it != visited.end()) {  // the image of a visited sector: same spectrum
        const auto &partner = reports_[it->second];
        rep.method = partner.method == "screened" ? "screened" : "mirror";
        rep.e_min = partner.e_min;
        visited[id] = reports_.size();
        reports_.push_back(rep);
        continue;
      }
    }
    visited[id] = reports_.size();
    if (is_dense(id)) {
      const auto &d = dense(id);
      rep.method = "dense";
      rep.e_min = d.energies[0];
      e0 = std::min(e0, d.energies[0]);
    } else {
      const auto &h = op(id);
      EigenOptions eo = opt_.eigen;
      eo.seed = opt_.eigen.seed + 7919 * id;
      if (std::isfinite(e0)) {
        const auto est = lanczos_lowest(h, e0 + window_, eo);
        matvecs_ += est.matvecs;
        if (!est.below) {
          rep.method = "screened";
          rep.e_min = est.value;
          visited[id] = reports_.size();
          reports_.push_back(rep);
          continue;
        }
      }
      long mv = 0;
      auto st = lanczos_low_states(h, e0, window_, eo, mv, warnings_);
      matvecs_ += mv;
      rep.method = "lanczos";
      if (!st.empty()) {
        rep.e_min = st.front().energy;
        e0 = std::min(e0, st.front().energy);
        lanczos_bytes += static_cast<double>(st.size()) * h.dim() * sizeof(T);
        if (lanczos_bytes > opt_.max_memory_bytes)
          throw resource_limit_error("the kept Lanczos states need " + std::to_string(lanczos_bytes / 1e9) +
                                     " GB, above max_memory_gb = " + std::to_string(opt_.max_memory_bytes / 1e9) +
                                     "; lower the temperature window (boltzmann_cutoff) or raise max_memory_gb");
        lanczos_states[id] = std::move(st);
      }
    }
    reports_.push_back(rep);
  }
  if (!std::isfinite(e0)) throw numerical_error("no eigenstate found (empty Hilbert space?)");
  e0_ = e0;

  // Keep the states inside the final window; weights relative to E0.
  const double thr = e0 + window_;
  for (auto &rep : reports_) {
    if (rep.method == "dense") {
      const auto &d = dense(rep.id);
      for (std::size_t m = 0; m < d.energies.size() && d.energies[m] < thr; ++m) {
        KeptState<T> k;
        k.sector_id = rep.id;
        k.energy = d.energies[m];
        k.dense_index = static_cast<int>(m);
        states_.push_back(std::move(k));
        rep.n_kept++;
      }
    } else if (rep.method == "mirror") {
      const std::size_t partner = mirror_[rep.id];
      const std::size_t n_before = states_.size();
      for (std::size_t i = 0; i < n_before; ++i) {
        if (states_[i].sector_id != partner) continue;
        KeptState<T> k;
        k.sector_id = rep.id;
        k.energy = states_[i].energy;
        k.mirror_of = static_cast<long>(i);
        states_[i].has_mirror = true;
        states_.push_back(std::move(k));
        rep.n_kept++;
      }
    } else if (rep.method == "lanczos") {
      auto it = lanczos_states.find(rep.id);
      if (it == lanczos_states.end()) continue;
      for (auto &e : it->second) {
        if (e.energy >= thr) continue;
        KeptState<T> k;
        k.sector_id = rep.id;
        k.energy = e.energy;
        k.vector = std::move(e.vector);
        states_.push_back(std::move(k));
        rep.n_kept++;
      }
    }
  }
  double z = 0.0;
  for (auto &s : states_) {
    s.weight = std::isinf(opt_.beta) ? 1.0 : std::exp(-opt_.beta * (s.energy - e0));
    z += s.weight;
  }
  for (auto &s : states_) s.weight /= z;
  z_ = z;
}

template class Spectrum<double>;
template class Spectrum<cplx>;

}  // namespace edcore
