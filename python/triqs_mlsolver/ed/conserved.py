"""Conserved particle numbers of a fermionic Hamiltonian: which orbital groups keep ``N_g`` fixed.

``Q = sum_i q_i n_i`` is conserved by a monomial iff ``q`` is orthogonal to its imbalance row
(#creators - #annihilators per orbital).  The exact-diagonalization core splits the Fock space
into sectors of these conserved numbers (see :func:`conserved_groups`).
"""

from __future__ import annotations

import numpy as np

from ..errors import invalid_parameter

__all__ = ["conserved_groups"]


def _imbalance(n_orbitals: int, one_body, daggers, orbitals) -> np.ndarray:
    """Rows: one per term, entry = #creators - #annihilators on each orbital (zero rows dropped)."""
    rows = []
    if one_body is not None and one_body.size:
        i, j = np.nonzero(one_body)
        off = i != j
        if np.any(off):
            r = np.zeros((int(off.sum()), n_orbitals))
            k = np.arange(r.shape[0])
            r[k, i[off]] += 1
            r[k, j[off]] -= 1
            rows.append(r)
    if daggers.shape[0]:
        r = np.zeros((daggers.shape[0], n_orbitals))
        sign = np.where(daggers != 0, 1.0, -1.0)
        valid = orbitals >= 0
        t_idx = np.nonzero(valid)
        np.add.at(r, (t_idx[0], orbitals[valid]), sign[valid])
        rows.append(r)
    if not rows:
        return np.zeros((0, n_orbitals))
    a = np.concatenate(rows)
    a = a[np.any(a != 0, axis=1)]
    if a.shape[0] <= 1:
        return a
    a = a[np.lexsort(a.T[::-1])]  # rows in lexicographic order, then without repeats (np.unique(axis=0))
    return a[np.concatenate(([True], np.any(a[1:] != a[:-1], axis=1)))]


def _merge_until_conserved(a: np.ndarray, groups: list[list[int]]) -> list[list[int]] | None:
    """Merge groups that a term does not conserve; None if merging cannot help."""
    groups = [list(g) for g in groups if g]
    while True:
        n_orb = a.shape[1]
        label = np.empty(n_orb, dtype=int)
        for k, g in enumerate(groups):
            label[g] = k
        sums = np.zeros((a.shape[0], len(groups)))
        np.add.at(sums.T, label, a.T)
        bad = np.nonzero(np.any(sums != 0, axis=1))[0]
        if bad.size == 0:
            return groups
        touched = np.nonzero(sums[bad[0]] != 0)[0]
        if touched.size < 2:
            return None
        merged = sorted(o for k in touched for o in groups[k])
        groups = [g for k, g in enumerate(groups) if k not in set(touched.tolist())] + [merged]


_GROUPS_CACHE: dict = {}
_GROUPS_CACHE_SIZE = 256


def conserved_groups(n_orbitals: int, one_body=None, terms=None, candidates=None) -> tuple[list[list[int]], bool]:
    """The finest practical partition of the orbitals into groups with conserved particle numbers.

    ``Q = sum_i q_i n_i`` is conserved by a monomial iff ``q`` is orthogonal to its imbalance row
    (#creators - #annihilators per orbital).  Orbitals with identical rows in a basis of the null
    space of all rows cannot be told apart by any conserved charge; if the indicator of each such
    class is itself conserved these classes are the finest partition.  Otherwise the candidate
    groups (e.g. each block with its bath) and the classes are merged wherever a term does not
    conserve them, and the finer result is kept; then total N; finally no conservation at all
    (returns ``conserving = False`` and one group).

    ``terms`` is ``(daggers, orbitals)`` as from :meth:`Terms.to_arrays` (or None).  The result
    depends only on which terms are present, so it is cached by that structure.
    """
    daggers, orbitals = terms if terms is not None else (np.zeros((0, 0), np.int8), np.zeros((0, 0), np.int32))
    daggers, orbitals = np.asarray(daggers, dtype=np.int8), np.asarray(orbitals, dtype=np.int32)
    one = None if one_body is None else np.asarray(one_body)
    key = (
        int(n_orbitals),
        None if one is None else np.packbits(one != 0).tobytes(),
        daggers.shape,
        daggers.tobytes(),
        orbitals.tobytes(),
        None if candidates is None else tuple(tuple(int(o) for o in g) for g in candidates),
    )
    hit = _GROUPS_CACHE.get(key)
    if hit is None:
        hit = _detect_groups(int(n_orbitals), one, daggers, orbitals, candidates)
        if len(_GROUPS_CACHE) >= _GROUPS_CACHE_SIZE:
            _GROUPS_CACHE.pop(next(iter(_GROUPS_CACHE)))
        _GROUPS_CACHE[key] = hit
    groups, conserving = hit
    return [list(g) for g in groups], conserving


def _detect_groups(n_orbitals, one_body, daggers, orbitals, candidates):
    a = _imbalance(n_orbitals, one_body, daggers, orbitals)
    everything = [list(range(n_orbitals))]
    if a.shape[0] == 0:
        return [[i] for i in range(n_orbitals)], True
    _, s, vh = np.linalg.svd(a)
    rank = int(np.sum(s > 1e-9 * max(1.0, s[0])))
    null = vh[rank:].T  # n_orbitals x (n - rank)
    # Classes of identical rows (a basis-independent notion).
    same = np.linalg.norm(null[:, None, :] - null[None, :, :], axis=2) < 1e-8
    label = np.full(n_orbitals, -1)
    classes = []
    for i in range(n_orbitals):
        if label[i] < 0:
            members = np.nonzero(same[i] & (label < 0))[0]
            label[members] = len(classes)
            classes.append(members.tolist())
    options = []
    for start in ([candidates] if candidates else []) + [classes]:
        covered = sorted(o for g in start for o in g)
        if covered != list(range(n_orbitals)):
            raise invalid_parameter("candidate groups", start, f"a partition of the orbitals 0..{n_orbitals - 1}")
        merged = _merge_until_conserved(a, start)
        if merged is not None:
            options.append(merged)
    if options:
        best = max(options, key=len)  # the first (candidates) wins ties
        return [sorted(g) for g in best], True
    if not np.any(a.sum(axis=1)):
        return everything, True
    return everything, False
