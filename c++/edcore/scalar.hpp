#pragma once
/// @file scalar.hpp
/// @brief Scalar traits and small vector kernels shared by the templated core.
///
/// Every sector-level object is templated on the scalar type `T`, either `double`
/// (all Hamiltonian coefficients real) or `std::complex<double>`.
#include <cmath>
#include <complex>
#include <cstddef>
#include <type_traits>

namespace edcore {

using cplx = std::complex<double>;

template <typename T> struct is_complex : std::false_type {};
template <> struct is_complex<cplx> : std::true_type {};

inline double conj(double x) { return x; }
inline cplx conj(const cplx &x) { return std::conj(x); }
inline double real_part(double x) { return x; }
inline double real_part(const cplx &x) { return x.real(); }
inline double abs2(double x) { return x * x; }
inline double abs2(const cplx &x) { return x.real() * x.real() + x.imag() * x.imag(); }

/// Convert a complex number to the scalar type (the imaginary part is dropped for double).
template <typename T> inline T from_complex(const cplx &z) {
  if constexpr (is_complex<T>::value) return z;
  else return z.real();
}

/// \f$ \langle x | y \rangle = \sum_i \bar x_i y_i \f$
template <typename T> inline T dot(std::size_t n, const T *x, const T *y) {
  if constexpr (is_complex<T>::value) {
    double re = 0, im = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const double a = x[i].real(), b = x[i].imag(), c = y[i].real(), d = y[i].imag();
      re += a * c + b * d;
      im += a * d - b * c;
    }
    return T(re, im);
  } else {
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    std::size_t i = 0;
    for (; i + 4 <= n; i += 4) {
      s0 += x[i] * y[i];
      s1 += x[i + 1] * y[i + 1];
      s2 += x[i + 2] * y[i + 2];
      s3 += x[i + 3] * y[i + 3];
    }
    for (; i < n; ++i) s0 += x[i] * y[i];
    return (s0 + s1) + (s2 + s3);
  }
}

/// \f$ \|x\|^2 \f$
template <typename T> inline double norm2(std::size_t n, const T *x) {
  if constexpr (is_complex<T>::value) {
    return dot<double>(2 * n, reinterpret_cast<const double *>(x), reinterpret_cast<const double *>(x));
  } else {
    return dot<double>(n, x, x);
  }
}

/// \f$ y \mathrel{+}= a x \f$
template <typename T> inline void axpy(std::size_t n, T a, const T *x, T *y) {
  for (std::size_t i = 0; i < n; ++i) y[i] += a * x[i];
}

/// \f$ x \mathrel{*}= a \f$
template <typename T> inline void scal(std::size_t n, double a, T *x) {
  for (std::size_t i = 0; i < n; ++i) x[i] *= a;
}

}  // namespace edcore
