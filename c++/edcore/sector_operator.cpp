#include "sector_operator.hpp"

#include <algorithm>
#include <cmath>

namespace edcore {

template <typename T>
SectorOperator<T>::SectorOperator(const OperatorCache<T> &cache, std::size_t id)
    : cache_(cache), id_(id), sector_(cache.hamiltonian().space().sector(id)) {
  const Hamiltonian &h = cache.hamiltonian();
  const SectorSpace &sp = h.space();
  const int G = sp.n_groups();
  const std::size_t dim = sector_.dim;

  // Diagonal: sum of per-group diagonals (outer sum), then cross-group number products.
  diag_.assign(1, h.constant());
  for (int g = 0; g < G; ++g) {
    const auto &dg = cache.group_diagonal(g, sector_.counts[g]);
    std::vector<double> next(diag_.size() * dg.size());
    for (std::size_t i = 0; i < diag_.size(); ++i)
      for (std::size_t r = 0; r < dg.size(); ++r) next[i * dg.size() + r] = diag_[i] + dg[r];
    diag_.swap(next);
  }
  for (const auto &t : h.diagonal_terms()) {
    bool local = true;
    for (const auto &o : t.occupied) local = local && o.first == t.occupied[0].first;
    if (local) continue;
    // Indicator of "all number operators occupied" as an outer product over groups.
    std::vector<std::uint8_t> ind(1, 1);
    for (int g = 0; g < G; ++g) {
      std::uint32_t mask = 0;
      for (const auto &[gg, p] : t.occupied)
        if (gg == g) mask |= 1u << p;
      const GroupBasis &b = sp.basis(g, sector_.counts[g]);
      std::vector<std::uint8_t> next(ind.size() * b.dim());
      for (std::size_t i = 0; i < ind.size(); ++i)
        for (std::size_t r = 0; r < b.dim(); ++r) next[i * b.dim() + r] = ind[i] && ((b.patterns[r] & mask) == mask);
      ind.swap(next);
    }
    for (std::size_t x = 0; x < dim; ++x)
      if (ind[x]) diag_[x] += t.coef;
  }

  mats_.resize(G, nullptr);
  double offdiag_norm = 0.0;
  for (int g = 0; g < G; ++g) {
    const auto &m = cache.group_matrix(g, sector_.counts[g]);
    if (!m.empty()) mats_[g] = &m;
    double worst = 0.0;
    for (std::size_t i = 0; i < m.n; ++i) {
      double s = 0.0;
      for (std::size_t k = m.row[i]; k < m.row[i + 1]; ++k) s += std::abs(m.val[k]);
      worst = std::max(worst, s);
    }
    offdiag_norm += worst;
  }

  // Cross-group terms: expand the product of local maps (and identities) into sector entries.
  for (std::size_t t = 0; t < h.cross_terms().size(); ++t) {
    const auto &ct = h.cross_terms()[t];
    int sign = 1;
    for (std::size_t k = 0; k < ct.groups.size(); ++k)
      if ((ct.parts[k].size() % 2) && (sector_.n_before[ct.groups[k]] % 2)) sign = -sign;
    const T coef = from_complex<T>(ct.coef * double(sign));
    struct E {
      std::uint64_t s, d;
      int sign;
    };
    std::vector<E> cur(1, E{0, 0, 1});
    std::size_t k = 0;
    for (int g = 0; g < G && !cur.empty(); ++g) {
      std::vector<E> next;
      const std::size_t stride = sector_.strides[g];
      if (k < ct.groups.size() && ct.groups[k] == g) {
        const auto &map = cache.cross_map(t, k, sector_.counts[g]);
        next.reserve(cur.size() * map.size());
        for (const auto &e : cur)
          for (const auto &m : map) next.push_back({e.s + m.src * stride, e.d + m.dst * stride, e.sign * m.sign});
        ++k;
      } else {
        next.reserve(cur.size() * sector_.dims[g]);
        for (const auto &e : cur)
          for (std::size_t r = 0; r < sector_.dims[g]; ++r) next.push_back({e.s + r * stride, e.d + r * stride, e.sign});
      }
      cur.swap(next);
    }
    for (const auto &e : cur) {
      cross_src_.push_back(static_cast<std::uint32_t>(e.s));
      cross_dst_.push_back(static_cast<std::uint32_t>(e.d));
      cross_val_.push_back(coef * double(e.sign));
    }
    if (!cur.empty()) offdiag_norm += std::abs(ct.coef);
  }
  double dmax = 0.0;
  for (double d : diag_) dmax = std::max(dmax, std::abs(d));
  norm_ = dmax + offdiag_norm;
}

template <typename T> void SectorOperator<T>::apply(const T *x, T *y) const {
  const std::size_t dim = sector_.dim;
  for (std::size_t i = 0; i < dim; ++i) y[i] = diag_[i] * x[i];
  const int G = static_cast<int>(mats_.size());
  for (int g = 0; g < G; ++g) {
    const Csr<T> *m = mats_[g];
    if (!m) continue;
    const std::size_t d = sector_.dims[g], inner = sector_.strides[g], outer = dim / (d * inner);
    if (inner == 1) {
      for (std::size_t o = 0; o < outer; ++o) {
        const T *xo = x + o * d;
        T *yo = y + o * d;
        for (std::size_t i = 0; i < d; ++i) {
          T s = 0;
          for (std::size_t k = m->row[i]; k < m->row[i + 1]; ++k) s += m->val[k] * xo[m->col[k]];
          yo[i] += s;
        }
      }
    } else {
      for (std::size_t o = 0; o < outer; ++o) {
        const T *xo = x + o * d * inner;
        T *yo = y + o * d * inner;
        for (std::size_t i = 0; i < d; ++i) {
          T *yi = yo + i * inner;
          for (std::size_t k = m->row[i]; k < m->row[i + 1]; ++k) {
            const T v = m->val[k];
            const T *xj = xo + static_cast<std::size_t>(m->col[k]) * inner;
            for (std::size_t l = 0; l < inner; ++l) yi[l] += v * xj[l];
          }
        }
      }
    }
  }
  const std::size_t nc = cross_val_.size();
  for (std::size_t k = 0; k < nc; ++k) y[cross_dst_[k]] += cross_val_[k] * x[cross_src_[k]];
}

template <typename T> void SectorOperator<T>::to_dense(T *a) const {
  const std::size_t dim = sector_.dim;
  std::fill(a, a + dim * dim, T(0));
  for (std::size_t i = 0; i < dim; ++i) a[i + i * dim] = diag_[i];
  for (std::size_t g = 0; g < mats_.size(); ++g) {
    const Csr<T> *m = mats_[g];
    if (!m) continue;
    const std::size_t d = sector_.dims[g], inner = sector_.strides[g], outer = dim / (d * inner);
    for (std::size_t o = 0; o < outer; ++o)
      for (std::size_t i = 0; i < d; ++i)
        for (std::size_t k = m->row[i]; k < m->row[i + 1]; ++k)
          for (std::size_t l = 0; l < inner; ++l) {
            const std::size_t r = (o * d + i) * inner + l, c = (o * d + m->col[k]) * inner + l;
            a[r + c * dim] += m->val[k];
          }
  }
  for (std::size_t k = 0; k < cross_val_.size(); ++k) a[cross_dst_[k] + static_cast<std::size_t>(cross_src_[k]) * dim] += cross_val_[k];
}

template <typename T>
void apply_fermion(const SectorSpace &space, const Sector &src, const Sector &dst, int g, int p, bool dagger, const T *x,
                   int ncols, T *y) {
  const int count = src.counts[g];
  const LocalOps ops{{dagger, p}};
  const auto map = local_map(space, g, count, ops);
  const std::size_t inner = src.strides[g];  // groups after g: same in both sectors
  const std::size_t ds = src.dims[g], dd = dst.dims[g];
  const std::size_t outer = src.dim / (ds * inner);
  const double sector_sign = (src.n_before[g] % 2) ? -1.0 : 1.0;
  for (int c = 0; c < ncols; ++c) {
    const T *xc = x + static_cast<std::size_t>(c) * src.dim;
    T *yc = y + static_cast<std::size_t>(c) * dst.dim;
    std::fill(yc, yc + dst.dim, T(0));
    for (std::size_t o = 0; o < outer; ++o)
      for (const auto &e : map) {
        const T *xs = xc + (o * ds + e.src) * inner;
        T *yd = yc + (o * dd + e.dst) * inner;
        const double s = sector_sign * e.sign;
        for (std::size_t l = 0; l < inner; ++l) yd[l] = s * xs[l];
      }
  }
}

template class SectorOperator<double>;
template class SectorOperator<cplx>;
template void apply_fermion<double>(const SectorSpace &, const Sector &, const Sector &, int, int, bool, const double *, int, double *);
template void apply_fermion<cplx>(const SectorSpace &, const Sector &, const Sector &, int, int, bool, const cplx *, int, cplx *);

}  // namespace edcore
