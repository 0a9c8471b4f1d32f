#include "terms.hpp"

#include <cmath>
#include <sstream>

namespace edcore {

namespace {
// Bubble sort towards normal order; a swap of c_i c+_i also adds the product without the pair.
void order_into(Monomial seq, cplx coef, NormalOrdered &out) {
  bool swapped = true;
  while (swapped) {
    swapped = false;
    for (std::size_t k = 1; k < seq.size(); ++k) {
      const Op &a = seq[k - 1], &b = seq[k];
      if (a == b) return;  // c_i c_i = c+_i c+_i = 0
      if (b < a) {
        if (a.orbital == b.orbital && !a.dagger && b.dagger) {
          // c_i c+_i = 1 - c+_i c_i
          Monomial contracted;
          contracted.reserve(seq.size() - 2);
          for (std::size_t j = 0; j < seq.size(); ++j)
            if (j != k - 1 && j != k) contracted.push_back(seq[j]);
          order_into(contracted, coef, out);
        }
        std::swap(seq[k - 1], seq[k]);
        coef = -coef;
        swapped = true;
      }
    }
  }
  for (std::size_t k = 1; k < seq.size(); ++k)
    if (seq[k - 1] == seq[k]) return;
  if (seq.empty()) out.constant += coef;
  else out.terms[seq] += coef;
}
}  // namespace

void NormalOrdered::add(cplx coef, const Monomial &ops) { order_into(ops, coef, *this); }

void NormalOrdered::prune(double tol) {
  for (auto it = terms.begin(); it != terms.end();) {
    if (std::abs(it->second) <= tol) it = terms.erase(it);
    else ++it;
  }
}

std::string to_string(const Monomial &m) {
  std::ostringstream s;
  for (std::size_t k = 0; k < m.size(); ++k) s << (k ? " " : "") << (m[k].dagger ? "c+(" : "c(") << m[k].orbital << ")";
  return s.str();
}

Monomial dagger(const Monomial &m) {
  Monomial r(m.rbegin(), m.rend());
  for (auto &o : r) o.dagger = !o.dagger;
  return r;
}

double hermiticity_defect(const NormalOrdered &op, std::string &where) {
  double worst = std::abs(op.constant.imag());
  where = worst > 0 ? "the constant" : "";
  for (const auto &[m, a] : op.terms) {
    NormalOrdered d;
    d.add(1.0, dagger(m));
    // The conjugate of a canonical monomial is canonical: d holds exactly one monomial.
    cplx partner = 0.0;
    for (const auto &[dm, da] : d.terms) {
      auto it = op.terms.find(dm);
      if (it != op.terms.end()) partner += std::conj(it->second) * da;
    }
    const double defect = std::abs(a - partner);
    if (defect > worst) {
      worst = defect;
      where = to_string(m);
    }
  }
  return worst;
}

bool is_diagonal(const Monomial &m) {
  const std::size_t n = m.size();
  if (n % 2) return false;
  for (std::size_t k = 0; k < n / 2; ++k) {
    if (!m[k].dagger || m[n - 1 - k].dagger || m[k].orbital != m[n - 1 - k].orbital) return false;
  }
  return true;
}

}  // namespace edcore
