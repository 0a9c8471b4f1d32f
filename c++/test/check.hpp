#pragma once
// Minimal checks for the C++ unit tests: CHECK(cond) and CHECK_CLOSE(a, b, tol) count failures;
// main returns the count.
#include <cmath>
#include <complex>
#include <cstdio>

inline int &failures() {
  static int n = 0;
  return n;
}

#define CHECK(cond)                                                        \
  do {                                                                     \
    if (!(cond)) {                                                         \
      std::printf("%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      ++failures();                                                        \
    }                                                                      \
  } while (0)

#define CHECK_CLOSE(a, b, tol)                                                                                   \
  do {                                                                                                           \
    const double diff_ = std::abs((a) - (b));                                                                    \
    if (!(diff_ <= (tol))) {                                                                                     \
      std::printf("%s:%d: CHECK_CLOSE failed: |%s - %s| = %.3e > %.1e\n", __FILE__, __LINE__, #a, #b, diff_, tol); \
      ++failures();                                                                                              \
    }                                                                                                            \
  } while (0)
