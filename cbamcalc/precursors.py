"""Precursors: the linear system linking production processes and the precursors they consume.

The nodes are the installation's own production processes followed by its purchased
precursors. ``A[i, j]`` is the amount of node ``j`` consumed per unit produced by process
``i``; purchased precursors consume nothing, so their rows are zero. The specific embedded
emissions ``x`` of every node satisfy ``x = s + A x``, i.e. ``(I - A) x = s``, where ``s``
holds the specific (own) emissions. The template builds ``I - A`` (InputOutput!E39:AH68)
and inverts it with ``MINVERSE``; here the system is solved, never inverted.

References
----------
Implementing Regulation (EU) 2023/1773, Annex IV, section 2 (SEE of complex goods:
SEE_g = (AttrEm_g + EE_InpMat) / AL_g, with EE_InpMat = sum of M_i * SEE_i over the
relevant precursors i) and Annex III, section F.2. Communication template, hidden sheet
InputOutput: rows 7-36 (A), 39-68 (I - A), E71:AH100 (inverse), AK/AM/AO (MMULT).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .errors import InputError

__all__ = ["input_coefficients", "solve_embedded", "supply_chain", "supply_chain_contributions",
           "processes_in_loops"]

Array = NDArray[np.float64]

#: Above this condition number of (I - A) the precursor system counts as singular.
MAX_CONDITION = 1e12


def input_coefficients(consumed: ArrayLike, production: ArrayLike) -> Array:
    """Input coefficients: amount of each node consumed per unit produced by each process.

    Parameters
    ----------
    consumed : array_like, shape (n_processes, n_nodes)
        ``consumed[i, j]``: amount of node ``j`` (processes first, then purchased
        precursors) consumed in process ``i`` during the period. [t]
    production : array_like, shape (n_processes,)
        Total production of each process, the SE denominator. [t]

    Returns
    -------
    numpy.ndarray, shape (n_nodes, n_nodes)
        ``A``; rows of purchased precursors, and of processes with no production (the
        template's ``IFERROR(..., 0)``), are zero. [t/t]

    Examples
    --------
    >>> input_coefficients([[0.0, 0.0], [1227000.0, 0.0]], [2234000.0, 1133000.0])
    array([[0.        , 0.        ],
           [1.08296558, 0.        ]])
    """
    q = np.asarray(consumed, dtype=float)
    p = np.asarray(production, dtype=float)
    n_proc, n_nodes = q.shape
    a = np.zeros((n_nodes, n_nodes))
    ok = p != 0
    a[:n_proc][ok] = q[ok] / p[ok, None]
    return a


def supply_chain(a: ArrayLike) -> NDArray[np.bool_]:
    """Which nodes lie in the supply chain of which: ``S[i, j]`` when node j is consumed by i, directly or not.

    Parameters
    ----------
    a : array_like, shape (n, n)
        Input coefficients (non-negative).

    Returns
    -------
    numpy.ndarray of bool, shape (n, n)
        The transitive closure of ``A > 0``. For ``A >= 0`` with a convergent series this is
        exactly where ``(I - A)^-1`` has a positive element off the diagonal, i.e. the nodes
        the template lists in a process's supply-chain table (InputOutput!AR71:BU100).

    Examples
    --------
    >>> supply_chain([[0, 0.5, 0], [0, 0, 0.2], [0, 0, 0]]).astype(int)
    array([[0, 1, 1],
           [0, 0, 1],
           [0, 0, 0]])
    """
    reach = np.asarray(a, dtype=float) != 0
    for k in range(reach.shape[0]):  # Warshall's transitive closure
        reach |= reach[:, [k]] & reach[[k], :]
    return reach


def processes_in_loops(a: ArrayLike) -> list[int]:
    """Indices of the nodes that lie on a loop (a cycle of consumption) in ``A``.

    Parameters
    ----------
    a : array_like, shape (n, n)
        Input coefficients.

    Returns
    -------
    list of int
        Nodes from which a chain of consumption leads back to themselves.
    """
    reach = supply_chain(a)
    return [i for i in range(reach.shape[0]) if reach[i, i]]


def solve_embedded(a: ArrayLike, specific: ArrayLike, names: Sequence[str]) -> Array:
    """Specific embedded values along the supply chain: solve ``(I - A) X = S``.

    Parameters
    ----------
    a : array_like, shape (n, n)
        Input coefficients from :func:`input_coefficients`. [t/t]
    specific : array_like, shape (n,) or (n, k)
        Own specific values of each node (SE direct, SE indirect, electricity per t, ...),
        one column per quantity. [per t]
    names : sequence of str
        Node names, for the error message.

    Returns
    -------
    numpy.ndarray, shape like ``specific``
        Embedded values including those of all precursors (SEE). [per t]

    Raises
    ------
    InputError
        When the system has no unique meaningful solution: a loop of processes that
        consume each other's whole production (``I - A`` singular or ill-conditioned), or
        one that consumes more than it produces (spectral radius of ``A`` of 1 or more).
        The message names the processes on loops.

    Notes
    -----
    ``numpy.linalg.solve`` (LU factorisation) replaces the template's
    ``MMULT(MINVERSE(I - A), S)`` (InputOutput!AK71); the condition number guards the result.

    Examples
    --------
    >>> a = input_coefficients([[0.0, 0.0], [1.0, 0.0]], [10.0, 5.0])
    >>> solve_embedded(a, [1.0, 0.5], ["P1", "P2"])
    array([1. , 0.7])
    """
    a = np.asarray(a, dtype=float)
    s = np.asarray(specific, dtype=float)
    n = a.shape[0]
    m = np.eye(n) - a
    problem = None
    if n:
        radius = float(np.max(np.abs(np.linalg.eigvals(a))))
        if radius >= 1.0 - 1e-12:
            problem = f"the loop consumes as much as it produces, or more (spectral radius {radius:.6g})"
        elif np.linalg.cond(m) > MAX_CONDITION:
            problem = "the system I - A is singular"
    x = None
    if problem is None:
        try:
            x = np.linalg.solve(m, s)
        except np.linalg.LinAlgError:
            problem = "the system I - A is singular"
    if problem is not None or x is None:
        looped = [names[i] for i in processes_in_loops(a)] or list(names)
        raise InputError(
            f"precursor loop without a solution: {problem}",
            sheet="D_Processes",
            field="amounts consumed in other production processes",
            expected="each process in a loop to send only part of its production to the others",
            found="loop through " + ", ".join(repr(x) for x in looped),
        )
    return x


def supply_chain_contributions(a: ArrayLike, specific: ArrayLike, names: Sequence[str]) -> Array:
    """Contribution of every node to every node's embedded value.

    Parameters
    ----------
    a : array_like, shape (n, n)
        Input coefficients. [t/t]
    specific : array_like, shape (n,)
        Own specific values of each node. [per t]
    names : sequence of str
        Node names, for error messages.

    Returns
    -------
    numpy.ndarray, shape (n, n)
        ``C[i, j]``: the part of node ``i``'s embedded value that comes from node ``j``;
        rows add up to the embedded values. [per t]

    Notes
    -----
    ``C = (I - A)^-1 diag(s)``, obtained by solving with ``diag(s)`` as right-hand side.
    This is the template's supply-chain table (Summary_Processes rows 166-195, column I =
    matrix element G times SE), used for the share of default values.
    """
    s = np.asarray(specific, dtype=float)
    return solve_embedded(a, np.diag(s), names)
