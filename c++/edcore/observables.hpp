#pragma once
/// @file observables.hpp
/// @brief Thermal averages over the kept states.
///
/// With the normalized weights \f$ w_n \f$ of the kept states:
/// \f$ \langle H\rangle = \sum_n w_n E_n \f$,
/// \f$ F = E_0 - \beta^{-1}\ln Z \f$ (\f$ Z \f$ relative to \f$ E_0 \f$; at T = 0, \f$ F = E_0 \f$),
/// and the occupation correlations \f$ \langle n_a n_b \rangle = \sum_n w_n \sum_x |\psi_n(x)|^2 n_a(x) n_b(x) \f$
/// for the observed orbitals (the diagonal is \f$ \langle n_a \rangle \f$, an off-diagonal
/// element of two spin-orbitals of one orbital the double occupancy).
#include <vector>

#include "spectrum.hpp"

namespace edcore {

/// \f$ \langle n_a n_b \rangle \f$ for the observed orbitals (external indices), row-major.
/// `observed_image[a]` (symmetry only) is the position in `observed` of the image of orbital a.
template <typename T>
std::vector<double> occupation_correlations(Spectrum<T> &spec, const std::vector<int> &observed,
                                            const std::vector<int> &observed_image = {});

/// \f$ \sum_n w_n E_n \f$
template <typename T> double thermal_energy(const Spectrum<T> &spec);

}  // namespace edcore
