// Normal ordering, hermiticity check and term classification.
#include "check.hpp"
#include "edcore/terms.hpp"

using namespace edcore;

int main() {
  {  // c_0 c+_0 = 1 - c+_0 c_0
    NormalOrdered op;
    op.add(1.0, {{false, 0}, {true, 0}});
    CHECK_CLOSE(op.constant, cplx(1.0), 0.0);
    CHECK(op.terms.size() == 1);
    CHECK_CLOSE(op.terms.at({{true, 0}, {false, 0}}), cplx(-1.0), 0.0);
  }
  {  // c+_1 c+_0 = -c+_0 c+_1 ; c_2 c_2 = 0
    NormalOrdered op;
    op.add(2.0, {{true, 1}, {true, 0}});
    op.add(5.0, {{false, 2}, {false, 2}});
    CHECK(op.terms.size() == 1);
    CHECK_CLOSE(op.terms.at({{true, 0}, {true, 1}}), cplx(-2.0), 0.0);
  }
  {  // n_0 n_1 written as c+_0 c_0 c+_1 c_1 becomes c+_0 c+_1 c_1 c_0 with sign +
    NormalOrdered op;
    op.add(3.0, {{true, 0}, {false, 0}, {true, 1}, {false, 1}});
    const Monomial m{{true, 0}, {true, 1}, {false, 1}, {false, 0}};
    CHECK(op.terms.size() == 1);
    CHECK_CLOSE(op.terms.at(m), cplx(3.0), 0.0);
    CHECK(is_diagonal(m));
    CHECK(!is_diagonal({{true, 0}, {true, 1}, {false, 2}, {false, 0}}));
  }
  {  // hermiticity
    std::string where;
    NormalOrdered hop;
    hop.add(cplx(0.5, 0.2), {{true, 0}, {false, 1}});
    CHECK(hermiticity_defect(hop, where) > 0.5);
    hop.add(cplx(0.5, -0.2), {{true, 1}, {false, 0}});
    CHECK_CLOSE(hermiticity_defect(hop, where), 0.0, 1e-15);
    NormalOrdered pair;  // pair hopping and its conjugate
    pair.add(0.7, {{true, 0}, {true, 1}, {false, 3}, {false, 2}});
    CHECK(hermiticity_defect(pair, where) > 0.6);
    pair.add(0.7, {{true, 2}, {true, 3}, {false, 1}, {false, 0}});
    CHECK_CLOSE(hermiticity_defect(pair, where), 0.0, 1e-15);
  }
  std::printf("test_terms: %d failure(s)\n", failures());
  return failures();
}
