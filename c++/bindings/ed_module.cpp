// Thin nanobind module over the exact-diagonalization core.
#include <nanobind/nanobind.h>

#include "edcore/version.hpp"

namespace nb = nanobind;

NB_MODULE(_ed, m) {
  m.doc() = "Exact-diagonalization core of triqs_mlsolver";
  m.def("version", &edcore::version, "Version of the C++ core.");
}
