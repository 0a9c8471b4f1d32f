#pragma once
/// @file errors.hpp
/// @brief Exception classes of the exact-diagonalization core.
///
/// The core validates its input before any heavy work and reports problems with these
/// classes; the Python binding maps each to the package's error class
/// (InvalidParameterError, NonHermitianError, ResourceLimitError, SolverFailedError).
#include <stdexcept>
#include <string>

namespace edcore {

/// Base class of every error thrown on purpose by the core.
struct ed_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Malformed input: bad orbital index, NaN coefficient, groups that are not a partition,
/// a term that does not conserve the particle number of a group, out-of-range options.
struct invalid_input_error : ed_error {
  using ed_error::ed_error;
};

/// The Hamiltonian is not hermitian.
struct non_hermitian_error : ed_error {
  using ed_error::ed_error;
};

/// The calculation would exceed the memory (or state-count) limit; the message gives the estimate.
struct resource_limit_error : ed_error {
  using ed_error::ed_error;
};

/// A numerical procedure failed (e.g. an eigensolver did not converge).
struct numerical_error : ed_error {
  using ed_error::ed_error;
};

}  // namespace edcore
