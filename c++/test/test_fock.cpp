// Sector bases: pattern enumeration, ranks, local fermionic signs against Jordan-Wigner.
#include <vector>

#include "check.hpp"
#include "edcore/fock.hpp"
#include "edcore/hamiltonian.hpp"

using namespace edcore;

int main() {
  for (int L = 1; L <= 10; ++L)
    for (int N = 0; N <= L; ++N) {
      GroupBasis b(L, N);
      CHECK(b.dim() == static_cast<std::size_t>(binomial(L, N)));
      for (std::size_t r = 0; r < b.dim(); ++r) {
        CHECK(__builtin_popcount(b.patterns[r]) == N);
        CHECK(b.rank(b.patterns[r]) == r);
        if (r) CHECK(b.patterns[r] > b.patterns[r - 1]);
      }
    }
  // c+_p acting on a pattern: sign (-1)^{# occupied below p}.
  for (std::uint32_t x = 0; x < 64; ++x)
    for (int p = 0; p < 6; ++p) {
      std::uint32_t y;
      int sign;
      const bool ok = apply_local({{true, p}}, x, y, sign);
      CHECK(ok == !((x >> p) & 1u));
      if (ok) {
        CHECK(y == (x | (1u << p)));
        CHECK(sign == ((__builtin_popcount(x & ((1u << p) - 1)) % 2) ? -1 : 1));
      }
    }
  // Sectors of two groups {0, 2, 3} and {1, 4}: neighbours and dimensions.
  SectorSpace sp(5, {{0, 2, 3}, {1, 4}}, true);
  CHECK(sp.n_sectors() == 12);
  const std::size_t id = sp.id({2, 1});
  CHECK(sp.sector(id).dim == 6);
  CHECK(sp.sector(id).n_before[1] == 2);
  CHECK(sp.neighbour(id, 0, +1) == static_cast<long>(sp.id({3, 1})));
  CHECK(sp.neighbour(id, 1, -1) == static_cast<long>(sp.id({2, 0})));
  CHECK(sp.neighbour(sp.id({3, 1}), 0, +1) == -1);
  CHECK(sp.group_of(4) == 1 && sp.position_of(4) == 1);
  bool thrown = false;
  try {
    SectorSpace bad(3, {{0, 1}, {1, 2}}, true);
  } catch (const std::exception &) {
    thrown = true;
  }
  CHECK(thrown);
  std::printf("test_fock: %d failure(s)\n", failures());
  return failures();
}
