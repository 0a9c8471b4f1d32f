#pragma once
/// @file terms.hpp
/// @brief Fermionic operators as lists of monomials, their normal order and hermiticity check.
///
/// An operator is \f$ O = c_0 + \sum_t a_t \prod_{k} \hat o_{t,k} \f$, each \f$ \hat o \f$ a
/// creator \f$ c^\dagger_i \f$ or an annihilator \f$ c_i \f$ on a numbered spin-orbital, the
/// product in the written order (the rightmost factor acts first).  The normal order puts
/// creators left of annihilators, creators by ascending orbital and annihilators by
/// descending orbital (\f$ c^\dagger_1 c^\dagger_2 c_2 c_1 = n_1 n_2 \f$); reordering uses
/// \f$ \{c_i, c^\dagger_j\} = \delta_{ij} \f$ and \f$ c_i c_i = 0 \f$.
#include <map>
#include <string>
#include <vector>

#include "scalar.hpp"

namespace edcore {

/// One factor of a monomial.
struct Op {
  bool dagger;  ///< true for a creator
  int orbital;  ///< spin-orbital index
  bool operator<(const Op &o) const { return dagger != o.dagger ? dagger > o.dagger : (dagger ? orbital < o.orbital : orbital > o.orbital); }
  bool operator==(const Op &o) const { return dagger == o.dagger && orbital == o.orbital; }
};

using Monomial = std::vector<Op>;

/// \f$ a \prod_k \hat o_k \f$ (product order as written).
struct Term {
  cplx coef;
  Monomial ops;
};

/// A normal-ordered operator: the constant and the canonical monomials with their coefficients.
struct NormalOrdered {
  cplx constant = 0.0;
  std::map<Monomial, cplx> terms;  ///< canonical monomial -> coefficient (no empty monomial)

  /// Add \f$ a \prod_k \hat o_k \f$, normal ordering it.
  void add(cplx coef, const Monomial &ops);
  /// Drop coefficients with modulus <= tol.
  void prune(double tol);
};

/// Human-readable form of a monomial, e.g. "c+(0) c(3)".
std::string to_string(const Monomial &m);

/// The hermitian conjugate of a monomial (reversed, daggers flipped), not reordered.
Monomial dagger(const Monomial &m);

/// Largest \f$ |a_m - \bar a_{m^\dagger}| \f$ over the canonical monomials, with the monomial
/// where it occurs (empty when the operator is hermitian to the last bit); the constant's
/// imaginary part counts too.
double hermiticity_defect(const NormalOrdered &op, std::string &where);

/// True when the monomial is a product of number operators (same creator and annihilator sets).
bool is_diagonal(const Monomial &canonical);

}  // namespace edcore
