// Thin nanobind module over the exact-diagonalization core: converts arrays and options,
// releases the GIL around the work, maps the core's exceptions to the package's errors.
#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>
#include <nanobind/stl/complex.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <complex>
#include <cstdint>
#include <new>
#include <string>
#include <vector>

#include "edcore/errors.hpp"
#include "edcore/linalg.hpp"
#include "edcore/solver.hpp"
#include "edcore/version.hpp"

namespace nb = nanobind;
using cplx = std::complex<double>;

namespace {

// Raise the package's error class `name` (fallback: a builtin) with a message.
void raise_package_error(const char *name, PyObject *fallback, const char *message) {
  PyObject *module = PyImport_ImportModule("triqs_mlsolver.errors");
  PyObject *cls = module ? PyObject_GetAttrString(module, name) : nullptr;
  if (cls == nullptr) {
    PyErr_Clear();
    cls = fallback;
    Py_INCREF(cls);
  }
  PyErr_SetString(cls, message);
  Py_DECREF(cls);
  Py_XDECREF(module);
}

void translate(const std::exception_ptr &p, void *) {
  try {
    std::rethrow_exception(p);
  } catch (const edcore::non_hermitian_error &e) {
    raise_package_error("NonHermitianError", PyExc_ValueError, e.what());
  } catch (const edcore::resource_limit_error &e) {
    raise_package_error("ResourceLimitError", PyExc_MemoryError, e.what());
  } catch (const edcore::invalid_input_error &e) {
    raise_package_error("InvalidParameterError", PyExc_ValueError, e.what());
  } catch (const edcore::numerical_error &e) {
    raise_package_error("SolverFailedError", PyExc_RuntimeError, e.what());
  } catch (const std::bad_alloc &) {
    raise_package_error("ResourceLimitError", PyExc_MemoryError,
                        "exact diagonalization ran out of memory; lower max_memory_gb or the problem size");
  }
}

template <typename T> nb::ndarray<nb::numpy, T> to_numpy(std::vector<T> &&v, std::initializer_list<size_t> shape) {
  auto *owner_data = new std::vector<T>(std::move(v));
  nb::capsule owner(owner_data, [](void *q) noexcept { delete static_cast<std::vector<T> *>(q); });
  return nb::ndarray<nb::numpy, T>(owner_data->data(), shape.size(), shape.begin(), owner);
}

edcore::Options parse_options(const nb::dict &d) {
  edcore::Options o;
  for (auto [key, value] : d) {
    const std::string k = nb::cast<std::string>(key);
    if (k == "beta") o.beta = nb::cast<double>(value);
    else if (k == "boltzmann_cutoff") o.boltzmann_cutoff = nb::cast<double>(value);
    else if (k == "degeneracy_tol") o.degeneracy_tol = nb::cast<double>(value);
    else if (k == "dense_max_dim") o.dense_max_dim = nb::cast<std::size_t>(value);
    else if (k == "dense_window_max_dim") o.dense_window_max_dim = nb::cast<std::size_t>(value);
    else if (k == "dense_screen_min_dim") o.dense_screen_min_dim = nb::cast<std::size_t>(value);
    else if (k == "dense_targets") o.dense_targets = nb::cast<bool>(value);
    else if (k == "lanczos_tol") o.lanczos_tol = nb::cast<double>(value);
    else if (k == "lanczos_krylov_dim") o.lanczos_krylov_dim = nb::cast<int>(value);
    else if (k == "lanczos_max_matvecs") o.lanczos_max_matvecs = nb::cast<long>(value);
    else if (k == "gf_tol") o.gf_tol = nb::cast<double>(value);
    else if (k == "gf_max_iter") o.gf_max_iter = nb::cast<int>(value);
    else if (k == "gf_probe_frequency") o.gf_probe_frequency = nb::cast<double>(value);
    else if (k == "gf_real_eta") o.gf_real_eta = nb::cast<double>(value);
    else if (k == "gf_real_tol") o.gf_real_tol = nb::cast<double>(value);
    else if (k == "pole_weight_cutoff") o.pole_weight_cutoff = nb::cast<double>(value);
    else if (k == "pole_merge_tol") o.pole_merge_tol = nb::cast<double>(value);
    else if (k == "max_memory_bytes") o.max_memory_bytes = nb::cast<double>(value);
    else if (k == "n_states_max") o.n_states_max = nb::cast<std::size_t>(value);
    else if (k == "hermitian_tol") o.hermitian_tol = nb::cast<double>(value);
    else if (k == "seed") o.seed = nb::cast<std::uint64_t>(value);
    else if (k == "green") o.green = nb::cast<bool>(value);
    else throw edcore::invalid_input_error("unknown option '" + k + "' of the ED core");
  }
  return o;
}

using CArray2 = nb::ndarray<const cplx, nb::ndim<2>, nb::c_contig, nb::device::cpu>;
using CArray1 = nb::ndarray<const cplx, nb::ndim<1>, nb::c_contig, nb::device::cpu>;
using I8Array2 = nb::ndarray<const std::int8_t, nb::ndim<2>, nb::c_contig, nb::device::cpu>;
using I32Array2 = nb::ndarray<const std::int32_t, nb::ndim<2>, nb::c_contig, nb::device::cpu>;

nb::dict solve(int n_orbitals, cplx constant, CArray2 one_body, CArray1 coefs, I8Array2 daggers, I32Array2 orbitals,
               std::vector<std::vector<int>> groups, bool conserving, std::vector<std::vector<int>> blocks,
               std::vector<int> observed, std::vector<int> symmetry, nb::dict options) {
  edcore::Problem p;
  p.n_orbitals = n_orbitals;
  p.constant = constant;
  if (one_body.size() > 0) {
    if (one_body.shape(0) != static_cast<size_t>(n_orbitals) || one_body.shape(1) != static_cast<size_t>(n_orbitals))
      throw edcore::invalid_input_error("one_body must have shape (n_orbitals, n_orbitals)");
    p.one_body.assign(one_body.data(), one_body.data() + one_body.size());
  }
  const size_t T = coefs.shape(0);
  if (daggers.shape(0) != T || orbitals.shape(0) != T || daggers.shape(1) != orbitals.shape(1))
    throw edcore::invalid_input_error("coefs, daggers and orbitals must describe the same terms");
  const size_t W = orbitals.shape(1);
  for (size_t t = 0; t < T; ++t) {
    edcore::Term term{coefs(t), {}};
    for (size_t k = 0; k < W; ++k) {
      const int o = orbitals(t, k);
      if (o < 0) break;
      term.ops.push_back({daggers(t, k) != 0, o});
    }
    if (term.ops.empty()) p.constant += term.coef;
    else p.terms.push_back(std::move(term));
  }
  p.groups = std::move(groups);
  p.conserving = conserving;
  p.blocks = std::move(blocks);
  p.observed = std::move(observed);
  p.symmetry = std::move(symmetry);
  const edcore::Options o = parse_options(options);

  edcore::Result r;
  {
    nb::gil_scoped_release release;
    r = edcore::solve(p, o);
  }

  nb::dict out;
  out["is_complex"] = r.is_complex;
  out["e0"] = r.e0;
  out["partition_function"] = r.partition_function;
  out["energy"] = r.energy;
  out["free_energy"] = r.free_energy;
  nb::list blocks_out;
  for (auto &b : r.blocks) {
    const size_t P = b.energies.size(), n = static_cast<size_t>(b.n);
    blocks_out.append(nb::make_tuple(to_numpy(std::move(b.energies), {P}), to_numpy(std::move(b.residues), {P, n, n}),
                                     to_numpy(std::move(b.density), {n, n})));
  }
  out["blocks"] = blocks_out;
  const size_t no = p.observed.size();
  out["nn"] = to_numpy(std::move(r.nn), {no, no});
  out["n_states_kept"] = r.n_states_kept;
  nb::list sectors;
  for (const auto &s : r.sectors)
    sectors.append(nb::make_tuple(nb::cast(s.counts), s.dim, s.method, s.bound, s.e_min, s.n_kept, s.seconds));
  out["sectors"] = sectors;
  nb::dict timings;
  for (const auto &[k, v] : r.timings) timings[k.c_str()] = v;
  out["timings"] = timings;
  out["warnings"] = nb::cast(r.warnings);
  out["matvecs"] = r.matvecs;
  out["memory_estimate"] = r.memory_estimate;
  out["largest_sector"] = r.largest_sector;
  out["symmetry_used"] = r.symmetry_used;
  out["symmetry_note"] = r.symmetry_note;
  return out;
}

void set_lapack(std::uintptr_t dsyevd, std::uintptr_t zheevd, std::uintptr_t dgemm, std::uintptr_t zgemm, std::uintptr_t dsyevr,
                std::uintptr_t zheevr) {
  edcore::set_lapack(reinterpret_cast<edcore::dsyevd_t>(dsyevd), reinterpret_cast<edcore::zheevd_t>(zheevd),
                     reinterpret_cast<edcore::dgemm_t>(dgemm), reinterpret_cast<edcore::zgemm_t>(zgemm),
                     reinterpret_cast<edcore::dsyevr_t>(dsyevr), reinterpret_cast<edcore::zheevr_t>(zheevr));
}

}  // namespace

NB_MODULE(_ed, m) {
  m.doc() = "Exact-diagonalization core of triqs_mlsolver (use triqs_mlsolver.solvers.ed).";
  nb::register_exception_translator(translate);
  m.def("version", &edcore::version, "Version of the C++ core.");
  m.def("solve", &solve, nb::arg("n_orbitals"), nb::arg("constant"), nb::arg("one_body"), nb::arg("coefs"),
        nb::arg("daggers"), nb::arg("orbitals"), nb::arg("groups"), nb::arg("conserving"), nb::arg("blocks"),
        nb::arg("observed"), nb::arg("symmetry"), nb::arg("options"),
        "Exact diagonalization: kept states, Green's-function poles, thermodynamics (GIL released).");
  m.def("set_lapack", &set_lapack, nb::arg("dsyevd"), nb::arg("zheevd"), nb::arg("dgemm"), nb::arg("zgemm"),
        nb::arg("dsyevr") = 0, nb::arg("zheevr") = 0,
        "Register LAPACK/BLAS function addresses (0: built-in fallback).");
  m.def("lapack_registered", &edcore::lapack_registered, "True when LAPACK eigensolvers are registered.");
  m.def("set_use_builtin", &edcore::set_use_builtin, nb::arg("builtin"),
        "Use the built-in fallbacks even when LAPACK is registered (for tests).");
}
