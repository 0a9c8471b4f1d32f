#include "spectrum.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <numeric>

#include "errors.hpp"
#include "linalg.hpp"

namespace edcore {

namespace {
constexpr double kDenseSecondsPerCube = 1e-10;   // windowed dsyevr, one thread: 0.48 s at n = 1960, 13 s at n = 4900
constexpr double kKrylovSeconds = 7e-10;         // Krylov-Schur beyond the products: 0.5 s for k = 110, 24 s for k = 514 at n = 4900
constexpr std::size_t kDenseWindowMinDim = 256;  // below, every route takes well under a millisecond
}  // namespace

Route choose_route(std::size_t n, double count, double seconds_per_matvec, std::size_t min_dim, std::size_t max_dim,
                   double bytes, double budget) {
  if (n <= std::max(min_dim, kDenseWindowMinDim) || n > max_dim) return Route::lanczos;
  const double nd = static_cast<double>(n), k = std::max(count, 1.0);
  if (2.0 * nd * nd * bytes > budget) return Route::lanczos;
  const double dense = kDenseSecondsPerCube * nd * nd * nd;
  const double krylov = (4.0 * k + 60.0) * seconds_per_matvec + kKrylovSeconds * nd * std::pow(k, 2.5);
  return dense < krylov ? Route::dense_window : Route::lanczos;
}

template <typename T>
Spectrum<T>::Spectrum(const OperatorCache<T> &cache, const SpectrumOptions &opt, std::vector<std::size_t> mirror)
    : cache_(cache), opt_(opt), mirror_(std::move(mirror)) {
  window_ = std::isinf(opt.beta) ? opt.degeneracy_tol : std::log(1.0 / opt.boltzmann_cutoff) / opt.beta;
}

template <typename T> bool Spectrum<T>::is_dense(std::size_t id) const {
  return cache_.hamiltonian().space().sector_dim(id) <= static_cast<double>(opt_.dense_max_dim);
}

template <typename T> EigenOptions Spectrum<T>::eigen_options(std::size_t id) const {
  EigenOptions eo = opt_.eigen;
  eo.seed = opt_.eigen.seed + 7919 * id;  // a sector's own random start vectors
  return eo;
}

template <typename T> bool Spectrum<T>::dense_target(std::size_t id, std::size_t n_vectors) const {
  if (!is_dense(id)) return false;
  const std::size_t n = cache_.hamiltonian().space().sector_dim(id);
  if (opt_.dense_targets || opt_.dense_screen_min_dim == 0 || n < opt_.dense_screen_min_dim || dense_.count(id))
    return true;
  // ~n^3 once against ~100 products H v (~n each) per vector
  return 16 * n_vectors > n;
}

template <typename T> bool Spectrum<T>::screened_dense(std::size_t id, double e0, SectorReport &rep) {
  // A full diagonalization costs ~n^3; a short Lanczos probe (~n nnz per step) usually shows that
  // the sector's lowest state lies above the window, as for the Lanczos sectors.
  const std::size_t n = cache_.hamiltonian().space().sector_dim(id);
  if (opt_.dense_screen_min_dim == 0 || n < opt_.dense_screen_min_dim || !std::isfinite(e0)) return false;
  const auto t_start = std::chrono::steady_clock::now();
  const auto probe = lanczos_probe(op(id), e0, window_, eigen_options(id), 0);
  matvecs_ += probe.matvecs;
  rep.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();
  if (probe.below) return false;
  rep.method = "screened";
  rep.e_min = probe.value;
  return true;
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
    if (is_dense(id) && screened_dense(id, e0, rep)) {
      reports_.push_back(rep);
      continue;
    }
    if (is_dense(id)) {
      const auto t_start = std::chrono::steady_clock::now();
      const auto &d = dense(id);
      rep.seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();
      rep.method = "dense";
      rep.e_min = d.energies[0];
      e0 = std::min(e0, d.energies[0]);
    } else {
      const auto t_start = std::chrono::steady_clock::now();
      const auto &h = op(id);
      const EigenOptions eo = eigen_options(id);
      // At T = 0 the window holds only the (few) ground states: no need for the count estimate.
      const auto probe = lanczos_probe(h, e0, window_, eo, std::isinf(opt_.beta) ? 0 : 40);
      matvecs_ += probe.matvecs;
      if (!probe.below) {
        rep.method = "screened";
        rep.e_min = probe.value;
      } else {
        std::vector<Eigenpair<T>> st;
        if (choose_route(h.dim(), probe.count, probe.seconds_per_matvec, opt_.dense_max_dim, opt_.dense_window_max_dim,
                         sizeof(T), opt_.eigen.max_basis_bytes) == Route::dense_window) {
          // Only the eigenpairs below the current threshold (a superset of the final ones:
          // E0 can only decrease); probe.value is an upper bound of the sector's lowest energy.
          const int n = static_cast<int>(h.dim());
          std::vector<T> a(static_cast<std::size_t>(n) * n), z;
          std::vector<double> w;
          h.to_dense(a.data());
          heev_window<T>(n, a.data(), -h.norm_bound() - 1.0, std::min(e0, probe.value) + window_, w, z);
          for (std::size_t c = 0; c < w.size(); ++c)
            st.push_back({w[c], std::vector<T>(z.begin() + c * n, z.begin() + (c + 1) * n)});
          rep.method = "dense_window";
        } else {
          long mv = 0;
          st = lanczos_low_states(h, e0, window_, probe.count, eo, mv, warnings_);
          matvecs_ += mv;
          rep.method = "lanczos";
        }
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
      rep.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();
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
    } else if (rep.method == "lanczos" || rep.method == "dense_window") {
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
