#include "solver.hpp"

#include <chrono>
#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

#include "errors.hpp"
#include "hamiltonian.hpp"
#include "observables.hpp"
#include "spectrum.hpp"

namespace edcore {

namespace {

std::string fmt(double x) {
  std::ostringstream s;
  s.precision(4);
  s << x;
  return s.str();
}

void check_options(const Options &o) {
  if (!(o.beta > 0)) throw invalid_input_error("beta = " + fmt(o.beta) + " is invalid: allowed is 0 < beta <= inf");
  if (!(o.boltzmann_cutoff > 0 && o.boltzmann_cutoff < 1))
    throw invalid_input_error("boltzmann_cutoff = " + fmt(o.boltzmann_cutoff) + " is invalid: allowed is 0 < boltzmann_cutoff < 1");
  if (!(o.degeneracy_tol > 0)) throw invalid_input_error("degeneracy_tol must be > 0");
  if (!(o.lanczos_tol > 0) || !(o.gf_tol > 0)) throw invalid_input_error("lanczos_tol and gf_tol must be > 0");
  if (o.lanczos_krylov_dim < 8) throw invalid_input_error("lanczos_krylov_dim must be >= 8");
  if (o.gf_max_iter < 1 || o.lanczos_max_matvecs < 1) throw invalid_input_error("iteration limits must be >= 1");
  if (!(o.max_memory_bytes > 0)) throw invalid_input_error("max_memory_gb must be > 0");
}

/// Sector, block and observed-orbital maps of a symmetry (all empty when it is not usable).
struct SymmetryMaps {
  std::vector<std::size_t> sector_image;
  std::vector<int> block_image, observed_image;
  std::string note;
};

SymmetryMaps symmetry_maps(const Problem &p, const NormalOrdered &op, const SectorSpace &space, double tol) {
  SymmetryMaps out;
  const auto &pi = p.symmetry;
  if (pi.empty()) return out;
  const int n = p.n_orbitals;
  if (static_cast<int>(pi.size()) != n) throw invalid_input_error("symmetry must map every orbital (length n_orbitals)");
  for (int i = 0; i < n; ++i)
    if (pi[i] < 0 || pi[i] >= n || pi[pi[i]] != i)
      throw invalid_input_error("symmetry must be a permutation of the orbitals that is its own inverse");
  auto unusable = [&](const std::string &why) {
    out = SymmetryMaps{};
    out.note = why;
    return out;
  };
  // H invariant under c_i -> c_pi(i)?
  NormalOrdered mapped;
  mapped.constant = op.constant;
  for (const auto &[m, a] : op.terms) {
    Monomial mm(m);
    for (auto &x : mm) x.orbital = pi[x.orbital];
    mapped.add(a, mm);
  }
  double scale = 1.0;
  for (const auto &[m, a] : op.terms) scale = std::max(scale, std::abs(a));
  const NormalOrdered *both[2] = {&op, &mapped};
  for (const NormalOrdered *from : both) {
    const auto *to = from == &op ? &mapped : &op;
    for (const auto &[m, a] : from->terms) {
      auto it = to->terms.find(m);
      const cplx b = it == to->terms.end() ? cplx(0.0) : it->second;
      if (std::abs(a - b) > tol * scale) return unusable("the Hamiltonian is not invariant under the symmetry");
    }
  }
  // Groups to groups.
  const int G = space.n_groups();
  std::vector<int> gmap(G, -1);
  for (int g = 0; g < G; ++g) {
    std::vector<int> img;
    for (int o : space.group(g)) img.push_back(pi[o]);
    std::sort(img.begin(), img.end());
    for (int h = 0; h < G; ++h)
      if (space.group(h) == img) gmap[g] = h;
    if (gmap[g] < 0) return unusable("the symmetry does not map conserved groups to groups");
  }
  if (!space.conserving() || space.n_sectors() > 2000000) return unusable("no sector structure to exploit");
  out.sector_image.resize(space.n_sectors());
  for (std::size_t id = 0; id < space.n_sectors(); ++id) {
    const auto c = space.counts(id);
    std::vector<int> ci(G);
    for (int g = 0; g < G; ++g) ci[gmap[g]] = c[g];
    out.sector_image[id] = space.id(ci);
  }
  // Blocks to blocks, orbital by orbital; observed orbitals to observed ones.
  for (std::size_t b = 0; b < p.blocks.size(); ++b) {
    std::vector<int> img;
    for (int o : p.blocks[b]) img.push_back(pi[o]);
    int found = -1;
    for (std::size_t c = 0; c < p.blocks.size(); ++c)
      if (p.blocks[c] == img) found = static_cast<int>(c);
    if (found < 0) return unusable("the symmetry does not map Green's-function blocks to blocks");
    out.block_image.push_back(found);
  }
  for (int o : p.observed) {
    auto it = std::find(p.observed.begin(), p.observed.end(), pi[o]);
    if (it == p.observed.end()) return unusable("the symmetry does not map the observed orbitals to themselves");
    out.observed_image.push_back(static_cast<int>(it - p.observed.begin()));
  }
  return out;
}

template <typename T> Result run(const Problem &p, const Options &o, const NormalOrdered &op, double t_start) {
  using clock = std::chrono::steady_clock;
  auto now = [] { return std::chrono::duration<double>(clock::now().time_since_epoch()).count(); };
  Result res;
  res.is_complex = is_complex<T>::value;
  double t = now();
  SectorSpace space(p.n_orbitals, p.groups, p.conserving);
  Hamiltonian h(space, op);
  for (const auto &b : p.blocks)
    for (int o_ : b)
      if (o_ < 0 || o_ >= p.n_orbitals) throw invalid_input_error("block orbital " + std::to_string(o_) + " out of range");
  for (int o_ : p.observed)
    if (o_ < 0 || o_ >= p.n_orbitals) throw invalid_input_error("observed orbital " + std::to_string(o_) + " out of range");

  res.memory_estimate = estimate_memory(p, o, &res.largest_sector);
  if (res.memory_estimate > o.max_memory_bytes)
    throw resource_limit_error(
        "exact diagonalization of " + std::to_string(p.n_orbitals) + " spin-orbitals needs about " +
        fmt(res.memory_estimate / 1e9) + " GB (largest sector dimension " + fmt(double(res.largest_sector)) +
        ", Lanczos basis of " + std::to_string(o.lanczos_krylov_dim) + " vectors), above max_memory_gb = " +
        fmt(o.max_memory_bytes / 1e9) + ". Use fewer bath sites or finer conserved groups, or raise max_memory_gb.");

  const SymmetryMaps sym = symmetry_maps(p, op, space, 1e-12);
  res.symmetry_used = !sym.sector_image.empty();
  res.symmetry_note = sym.note;

  OperatorCache<T> cache(h);
  SpectrumOptions so;
  so.beta = o.beta;
  so.boltzmann_cutoff = o.boltzmann_cutoff;
  so.degeneracy_tol = o.degeneracy_tol;
  so.dense_max_dim = o.dense_max_dim;
  so.dense_window_max_dim = o.dense_window_max_dim;
  so.dense_screen_min_dim = o.dense_screen_min_dim;
  so.dense_targets = o.dense_targets;
  so.max_memory_bytes = o.max_memory_bytes;
  so.eigen.tol = o.lanczos_tol;
  so.eigen.krylov_dim = o.lanczos_krylov_dim;
  so.eigen.max_matvecs = o.lanczos_max_matvecs;
  so.eigen.seed = o.seed;
  so.eigen.max_states = o.n_states_max;
  so.eigen.max_basis_bytes = 0.25 * o.max_memory_bytes;
  Spectrum<T> spec(cache, so, sym.sector_image);
  double t1 = now();
  res.timings.emplace_back("setup", t1 - t);
  spec.compute();
  double t2 = now();
  res.timings.emplace_back("spectrum", t2 - t1);
  std::size_t stored = 0;  // states held as Lanczos vectors (dense-sector states cost nothing extra)
  for (const auto &st : spec.states()) stored += st.vector.empty() ? 0 : 1;
  if (stored > o.n_states_max)
    throw resource_limit_error(std::to_string(stored) + " Lanczos states lie inside the Boltzmann window, above n_states_max = " +
                               std::to_string(o.n_states_max) + "; raise n_states_max or boltzmann_cutoff");

  long mv = spec.matvecs();
  if (o.green) {
    GreenOptions go;
    go.lanczos.tol = o.gf_tol;
    go.lanczos.max_iter = o.gf_max_iter;
    const double w0 = o.gf_probe_frequency > 0 ? o.gf_probe_frequency : (std::isinf(o.beta) ? 0.01 : M_PI / o.beta);
    go.lanczos.probes = {w0, 3 * w0, 9 * w0};
    go.lanczos.real_eta = o.gf_real_eta;
    go.lanczos.real_tol = o.gf_real_tol;
    go.weight_cutoff = o.pole_weight_cutoff;
    go.merge_tol = o.pole_merge_tol;
    res.blocks = green_functions<T>(spec, p.blocks, go, mv, spec.warnings(), sym.block_image);
  } else {
    res.blocks.resize(p.blocks.size());
    for (std::size_t b = 0; b < p.blocks.size(); ++b) res.blocks[b].n = static_cast<int>(p.blocks[b].size());
  }
  double t3 = now();
  res.timings.emplace_back("green", t3 - t2);
  res.nn = occupation_correlations<T>(spec, p.observed, sym.observed_image);
  res.e0 = spec.e0();
  res.partition_function = spec.partition_function();
  res.energy = thermal_energy(spec);
  res.free_energy = std::isinf(o.beta) ? spec.e0() : spec.e0() - std::log(spec.partition_function()) / o.beta;
  res.n_states_kept = spec.states().size();
  for (const auto &r : spec.reports()) res.sectors.push_back({r.counts, r.dim, r.method, r.bound, r.e_min, r.n_kept, r.seconds});
  res.warnings = spec.warnings();
  res.matvecs = mv;
  double t4 = now();
  res.timings.emplace_back("observables", t4 - t3);
  res.timings.emplace_back("total", t4 - t_start);
  return res;
}

}  // namespace

NormalOrdered normal_ordered(const Problem &p) {
  NormalOrdered op;
  const int n = p.n_orbitals;
  if (n < 0) throw invalid_input_error("n_orbitals is negative");
  if (!std::isfinite(p.constant.real()) || !std::isfinite(p.constant.imag()))
    throw invalid_input_error("the constant of the Hamiltonian is not finite");
  op.constant = p.constant;
  if (!p.one_body.empty()) {
    if (p.one_body.size() != static_cast<std::size_t>(n) * n)
      throw invalid_input_error("the one-body matrix must be n_orbitals x n_orbitals");
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < n; ++j) {
        const cplx h = p.one_body[static_cast<std::size_t>(i) * n + j];
        if (!std::isfinite(h.real()) || !std::isfinite(h.imag()))
          throw invalid_input_error("one-body matrix element h[" + std::to_string(i) + ", " + std::to_string(j) + "] = " +
                                    fmt(h.real()) + (h.imag() != 0 ? "+" + fmt(h.imag()) + "j" : "") + " is not finite");
        if (h != 0.0) op.terms[{Op{true, i}, Op{false, j}}] += h;
      }
  }
  for (const auto &t : p.terms) {
    if (!std::isfinite(t.coef.real()) || !std::isfinite(t.coef.imag()))
      throw invalid_input_error("the coefficient of term " + to_string(t.ops) + " is not finite");
    for (const auto &o : t.ops)
      if (o.orbital < 0 || o.orbital >= n)
        throw invalid_input_error("term " + to_string(t.ops) + ": orbital " + std::to_string(o.orbital) + " is out of range 0.." +
                                  std::to_string(n - 1));
    op.add(t.coef, t.ops);
  }
  op.prune(0.0);
  return op;
}

double estimate_memory(const Problem &p, const Options &o, std::size_t *largest_dim) {
  // Largest sector: product over groups of the largest binomial (no sector is built).
  double dmax = 1.0;
  if (!p.conserving) {
    dmax = std::ldexp(1.0, p.n_orbitals);
  } else {
    for (const auto &g : p.groups) {
      const int L = static_cast<int>(g.size());
      dmax *= binomial(L, L / 2);
    }
  }
  if (largest_dim) *largest_dim = static_cast<std::size_t>(std::min(dmax, 1.8e19));
  bool cplx_ = false;
  for (const auto &t : p.terms) cplx_ = cplx_ || t.coef.imag() != 0.0;
  for (const auto &h : p.one_body) cplx_ = cplx_ || h.imag() != 0.0;
  const double s = cplx_ ? 16.0 : 8.0;
  std::size_t n_cross = 0;
  for (const auto &t : p.terms) n_cross += t.ops.size() >= 4 ? 1 : 0;
  if (dmax <= static_cast<double>(o.dense_max_dim)) return 3.0 * dmax * dmax * s + 1e6;
  const double m = o.lanczos_krylov_dim;
  // Krylov basis (+ restart copy), diagonal, a few work vectors, the cross-group entries
  // (bounded by a quarter of the sector per quartic term), the kept states.
  const double vectors = dmax * s * (1.5 * m + 8.0) + dmax * 8.0 + 0.25 * dmax * n_cross * (s + 8.0);
  const double dense = 3.0 * double(o.dense_max_dim) * double(o.dense_max_dim) * s;
  return vectors + dense + 1e6;  // (a dense window is used only where it fits in a quarter of max_memory_gb)
}

Result solve(const Problem &p, const Options &o) {
  using clock = std::chrono::steady_clock;
  const double t0 = std::chrono::duration<double>(clock::now().time_since_epoch()).count();
  check_options(o);
  if (p.n_orbitals > 64)
    throw resource_limit_error("n_orbitals = " + std::to_string(p.n_orbitals) + " spin-orbitals: 2^" + std::to_string(p.n_orbitals) +
                               " Fock states, far beyond any memory (the core accepts at most 64 spin-orbitals, "
                               "and about 24 fit in a few GB)");
  NormalOrdered op = normal_ordered(p);
  double scale = 1.0;
  for (const auto &[m, a] : op.terms) scale = std::max(scale, std::abs(a));
  std::string where;
  const double defect = hermiticity_defect(op, where);
  if (defect > o.hermitian_tol * scale)
    throw non_hermitian_error("the Hamiltonian is not hermitian: the coefficient of " + where +
                              " differs from the conjugate of its partner's by " + fmt(defect) + " (tolerance " +
                              fmt(o.hermitian_tol * scale) + ")");
  // Memory check before anything heavy (a quick one here; the precise one after classification).
  const double mem = estimate_memory(p, o);
  if (mem > o.max_memory_bytes) {
    std::size_t d = 0;
    estimate_memory(p, o, &d);
    throw resource_limit_error("exact diagonalization of " + std::to_string(p.n_orbitals) + " spin-orbitals needs about " +
                               fmt(mem / 1e9) + " GB (largest sector dimension " + fmt(double(d)) + ", Lanczos basis of " +
                               std::to_string(o.lanczos_krylov_dim) + " vectors), above max_memory_gb = " +
                               fmt(o.max_memory_bytes / 1e9) +
                               ". Use fewer bath sites or finer conserved groups, or raise max_memory_gb.");
  }
  bool real = true;
  for (const auto &[m, a] : op.terms) real = real && a.imag() == 0.0;
  return real ? run<double>(p, o, op, t0) : run<cplx>(p, o, op, t0);
}

}  // namespace edcore
