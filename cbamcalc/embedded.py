"""Embedded emissions: SE and SEE per process, embedded electricity, share of default values.

Pure functions on numpy arrays. Nodes are the production processes followed by the
purchased precursors, as in :mod:`cbamcalc.precursors`.

References
----------
Implementing Regulation (EU) 2023/1773, Annex IV, section 2 (SEE of simple and complex
goods, direct and indirect: SEE_g = (AttrEm_g + EE_InpMat) / AL_g) and section 3
(embedded electricity); Annex III, section F. Communication template: InputOutput!AJ:AO
(SE and SEE), Summary_Processes rows 102-111 and 162-520 (supply chain, hidden column AG
= share of default values), Summary_Products columns I-O.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .precursors import solve_embedded, supply_chain, supply_chain_contributions

__all__ = ["specific_emissions", "specific_embedded", "default_share"]

Array = NDArray[np.float64]


def specific_emissions(embedded: ArrayLike, activity_level: ArrayLike) -> Array:
    """Specific (own) emissions of each process: embedded emissions per unit produced.

    Parameters
    ----------
    embedded : array_like
        Emissions of the process in the period (direct: DirEm* + heat + waste gases -
        electricity exported; indirect: electricity consumed * EF; or electricity in MWh). [tCO2e]
    activity_level : array_like
        Total production of the process. [t]

    Returns
    -------
    numpy.ndarray
        SE; 0 where the activity level is 0 (the template's ``IFERROR(..., 0)``). [tCO2e/t]

    Notes
    -----
    SE = AttrEm / AL (Annex IV, section 2; InputOutput!AJ71 = EmbedEmDir / TotProd).

    Examples
    --------
    >>> specific_emissions([171005.3, 10.0], [2234000.0, 0.0])
    array([0.07654669, 0.        ])
    """
    em = np.asarray(embedded, dtype=float)
    al = np.asarray(activity_level, dtype=float)
    out = np.zeros(np.broadcast(em, al).shape)
    np.divide(em, al, out=out, where=al != 0)
    return out


def specific_embedded(a: ArrayLike, specific: ArrayLike, names: Sequence[str]) -> Array:
    """SEE of every node: own specific values plus those of all precursors consumed.

    Parameters
    ----------
    a : array_like, shape (n, n)
        Input coefficients (:func:`cbamcalc.precursors.input_coefficients`). [t/t]
    specific : array_like, shape (n,) or (n, k)
        SE direct, SE indirect, electricity per t (columns), per node. For purchased
        precursors: their SEE as communicated by the supplier. [per t]
    names : sequence of str
        Node names, for error messages.

    Returns
    -------
    numpy.ndarray
        SEE direct, SEE indirect, embedded electricity, per node. [per t]

    Notes
    -----
    SEE = (I - A)^-1 SE, solved (InputOutput!AK71:AK100 = MMULT(MINVERSE(I - A), AJ)).
    """
    return solve_embedded(a, specific, names)


def default_share(a: ArrayLike, se_direct: ArrayLike, uses_default: ArrayLike,
                  names: Sequence[str]) -> Array:
    """Share of the SEE (direct) of each node that comes from default values.

    Parameters
    ----------
    a : array_like, shape (n, n)
        Input coefficients. [t/t]
    se_direct : array_like, shape (n,)
        Specific direct emissions per node (purchased precursors: their SEE direct). [tCO2e/t]
    uses_default : array_like of bool, shape (n,)
        True for purchased precursors whose SEE (direct) source is "Default".
    names : sequence of str
        Node names, for error messages.

    Returns
    -------
    numpy.ndarray, shape (n,)
        Share [fraction]; NaN where the denominator is 0 (the template shows "").

    Notes
    -----
    The template's supply-chain table for process i (Summary_Processes rows 165-195) lists
    the own process with factor 1 and every other node j whose element of (I - A)^-1 is
    positive, with contribution I_j = [(I - A)^-1]_ij * SE_j. The share is
    sum(I_j for default precursors) / (SE_i + sum(I_j)) (hidden column AG = H164 =
    SUMIFS(I166:I195, H166:H195, TRUE) / I164). In a loop the own factor stays 1, not
    the diagonal element, so the denominator can differ from the SEE (direct).

    Examples
    --------
    >>> a = np.array([[0.0, 0.5], [0.0, 0.0]])
    >>> default_share(a, [1.0, 2.0], [False, True], ["P1", "PP1"])
    array([0.5, 0. ])
    """
    se = np.asarray(se_direct, dtype=float)
    c = supply_chain_contributions(a, se, names)
    listed = supply_chain(a)  # the nodes the template's table lists (element of (I - A)^-1 positive)
    np.fill_diagonal(listed, False)
    contrib = np.where(listed, c, 0.0)
    default = np.asarray(uses_default, dtype=bool)
    numerator = contrib[:, default].sum(axis=1)
    denominator = se + contrib.sum(axis=1)
    out = np.full(se.shape, np.nan)
    np.divide(numerator, denominator, out=out, where=denominator != 0)
    return out
