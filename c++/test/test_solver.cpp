// The whole pipeline (built-in eigensolver, no LAPACK): Hubbard atom against its closed form,
// and the two-site Anderson model by Lanczos against dense sectors.
#include <cmath>
#include <vector>

#include "check.hpp"
#include "edcore/errors.hpp"
#include "edcore/solver.hpp"

using namespace edcore;

namespace {
cplx g_at(const BlockPoles &b, cplx z) {
  cplx s = 0.0;
  for (std::size_t p = 0; p < b.energies.size(); ++p) s += b.residues[p] / (z - b.energies[p]);
  return s;
}
Problem hubbard_atom(double U, double eps) {
  Problem p;
  p.n_orbitals = 2;
  p.terms = {{eps, {{true, 0}, {false, 0}}}, {eps, {{true, 1}, {false, 1}}}, {U, {{true, 0}, {false, 0}, {true, 1}, {false, 1}}}};
  p.groups = {{0}, {1}};
  p.blocks = {{0}, {1}};
  p.observed = {0, 1};
  return p;
}
}  // namespace

int main() {
  {  // Hubbard atom: G(z) = (1 - n)/(z - eps) + n/(z - eps - U)
    const double U = 2.5, eps = -0.8, beta = 7.0;
    Options o;
    o.beta = beta;
    o.boltzmann_cutoff = 1e-15;
    const Result r = solve(hubbard_atom(U, eps), o);
    const double z = 1 + 2 * std::exp(-beta * eps) + std::exp(-beta * (2 * eps + U));
    const double n = (std::exp(-beta * eps) + std::exp(-beta * (2 * eps + U))) / z;
    for (int k = 0; k < 20; ++k) {
      const cplx iw(0.0, M_PI * (2 * k + 1) / beta);
      CHECK_CLOSE(g_at(r.blocks[0], iw), (1 - n) / (iw - eps) + n / (iw - eps - U), 1e-14);
    }
    CHECK_CLOSE(r.nn[1], std::exp(-beta * (2 * eps + U)) / z, 1e-14);
    CHECK_CLOSE(r.e0, 2 * eps + U < eps ? 2 * eps + U : eps, 1e-14);
  }
  {  // Two-site Anderson model at half filling: E0 = -U/4 - sqrt(U^2/16 + 4 V^2); Lanczos = dense.
    const double U = 3.0, V = 0.7;
    Problem p;
    p.n_orbitals = 4;  // d_up, d_dn, a_up, a_dn
    p.terms = {{-U / 2, {{true, 0}, {false, 0}}}, {-U / 2, {{true, 1}, {false, 1}}},
               {U, {{true, 0}, {false, 0}, {true, 1}, {false, 1}}}};
    for (int s = 0; s < 2; ++s) {
      p.terms.push_back({V, {{true, s}, {false, 2 + s}}});
      p.terms.push_back({V, {{true, 2 + s}, {false, s}}});
    }
    p.groups = {{0, 2}, {1, 3}};
    p.blocks = {{0}, {1}};
    p.observed = {0, 1};
    Options dense;
    dense.beta = INFINITY;
    Options lanczos = dense;
    lanczos.dense_max_dim = 0;
    lanczos.lanczos_krylov_dim = 8;
    const Result a = solve(p, dense), b = solve(p, lanczos);
    CHECK_CLOSE(a.e0, -U / 4 - std::sqrt(U * U / 16 + 4 * V * V), 1e-13);
    CHECK_CLOSE(b.e0, a.e0, 1e-13);
    for (int k = 0; k < 10; ++k) {
      const cplx iw(0.0, 0.1 * (k + 1));
      CHECK_CLOSE(g_at(a.blocks[0], iw), g_at(b.blocks[0], iw), 1e-12);
    }
  }
  {  // errors: non-hermitian, non-conserved group, too large
    Problem p = hubbard_atom(1.0, 0.0);
    p.terms.push_back({0.3, {{true, 0}, {false, 1}}});
    Options o;
    int kind = 0;
    try {
      solve(p, o);
    } catch (const non_hermitian_error &) {
      kind = 1;
    }
    CHECK(kind == 1);
    p.terms.push_back({0.3, {{true, 1}, {false, 0}}});
    try {
      solve(p, o);  // hermitian now, but the hopping breaks the groups {0}, {1}
    } catch (const invalid_input_error &) {
      kind = 2;
    }
    CHECK(kind == 2);
    Problem big;
    big.n_orbitals = 40;
    std::vector<int> all;
    for (int i = 0; i < 40; ++i) all.push_back(i);
    big.groups = {all};
    try {
      solve(big, o);
    } catch (const resource_limit_error &) {
      kind = 3;
    }
    CHECK(kind == 3);
  }
  std::printf("test_solver: %d failure(s)\n", failures());
  return failures();
}
