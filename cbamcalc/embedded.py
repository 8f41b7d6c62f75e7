"""Embedded emissions: SE and SEE per process, embedded electricity, share of default values.

Pure functions on numpy arrays. Nodes are the production processes followed by the
purchased precursors, as in :mod:`cbamcalc.precursors`.

References
----------
Implementing Regulation (EU) 2023/1773, Annex IV, section 2 (SEE of simple and complex
goods, direct and indirect: SEE_g = (AttrEm_g + EE_InpMat) / AL_g) and section 3
(embedded electricity); Annex III, section F. Communication template: InputOutput!AJ:AO
(SE and SEE), Summary_Processes rows 102-111 and 162-520 (supply chain, hidden column AG
= share of default values), Summary_Products columns I-O. The SEE that counts for the CBAM
obligation (:func:`see_indirect_counted`): Regulation (EU) 2023/956 Art. 7(1) and Annex II;
Implementing Regulation (EU) 2025/2547 Annex I point 3.1.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .precursors import solve_embedded, supply_chain, supply_chain_contributions

__all__ = ["specific_emissions", "specific_embedded", "default_share", "see_indirect_counted",
           "good_indirect_counted"]

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


def see_indirect_counted(a: ArrayLike, se_indirect: ArrayLike, annex_ii: ArrayLike,
                         names: Sequence[str]) -> Array:
    """SEE indirect that counts for the CBAM obligation, per node, across the Annex II line.

    Parameters
    ----------
    a : array_like, shape (n, n)
        Input coefficients (:func:`cbamcalc.precursors.input_coefficients`). [t/t]
    se_indirect : array_like, shape (n,)
        Own specific indirect emissions per node: electricity consumed x EF / activity level
        for a production process, the communicated SEE indirect for a purchased precursor.
        [tCO2e/t]
    annex_ii : array_like of bool, shape (n,)
        True where the node's good is listed in Annex II of Regulation (EU) 2023/956 (its
        indirect emissions do not count); for a process, by its aggregated goods category.
    names : sequence of str
        Node names, for error messages.

    Returns
    -------
    numpy.ndarray, shape (n,)
        Embedded indirect emissions that count, precursors included. Between 0 and the SEE
        indirect of :func:`specific_embedded`. [tCO2e/t]

    Notes
    -----
    Regulation (EU) 2023/956 Art. 7(1): the embedded emissions of a good listed in Annex II
    are its direct emissions only. IR (EU) 2025/2547 Annex I point 3.1 carries the rule across
    the production chain: a complex good in Annex II includes the indirect emissions of its
    precursors not in Annex II (pig iron or DRI from sintered ore or pellets), and a good not
    in Annex II excludes those of its Annex II precursors (ammonia from hydrogen). cbamcalc
    reads both as one rule: *indirect emissions count where they arise in the production of a
    good not in Annex II*. So the precursor system is solved a second time with each node's
    own indirect emissions kept only where its good is not in Annex II:

    .. code-block:: text

        SEE_ind,counted = (I - A)^-1 (m * SE_ind),   m_j = 0 if node j's good is in Annex II, else 1

    A purchased precursor's communicated SEE indirect is kept or dropped whole, by its
    category: the buyer's data do not split it by the supplier's own precursors.

    Examples
    --------
    Sintered ore (not Annex II, 0.02 tCO2e/t indirect) into pig iron (Annex II, 0.05
    tCO2e/t indirect), 1.5 t of sinter per t of pig iron: 1.5 x 0.02 = 0.03 counts.

    >>> a = np.array([[0.0, 0.0], [1.5, 0.0]])
    >>> see_indirect_counted(a, [0.02, 0.05], [False, True], ["sinter", "BF"])
    array([0.02, 0.03])
    """
    se = np.asarray(se_indirect, dtype=float)
    counts = ~np.asarray(annex_ii, dtype=bool)
    return solve_embedded(a, np.where(counts, se, 0.0), names) + 0.0  # + 0.0: no -0.0 from the solver


def good_indirect_counted(process_counted: ArrayLike, process_se_indirect: ArrayLike,
                          process_annex_ii: ArrayLike, good_annex_ii: ArrayLike) -> Array:
    """SEE indirect that counts for a good, from that of its production process.

    Parameters
    ----------
    process_counted : array_like
        :func:`see_indirect_counted` of the good's process. [tCO2e/t]
    process_se_indirect : array_like
        Own specific indirect emissions of that process (SE indirect). [tCO2e/t]
    process_annex_ii : array_like of bool
        Whether the process's aggregated goods category is in Annex II.
    good_annex_ii : array_like of bool
        Whether the good's CN code is in Annex II of Regulation (EU) 2023/956.

    Returns
    -------
    numpy.ndarray
        The precursors' counted part of the process, plus the process's own SE indirect where
        the good is not in Annex II. Equal to ``process_counted`` when the good and its
        process's category agree. [tCO2e/t]

    Notes
    -----
    Annex II membership is decided per CN code (Reg. (EU) 2023/956 Art. 7(1)); a process's
    own term is replaced by the good's: ``x_g = (1 - annex_ii_g) SE_ind + (x_p - (1 -
    annex_ii_p) SE_ind)``.

    Examples
    --------
    >>> good_indirect_counted([0.03], [0.05], [True], [False])
    array([0.08])
    """
    x = np.asarray(process_counted, dtype=float)
    se = np.asarray(process_se_indirect, dtype=float)
    own_p = np.where(np.asarray(process_annex_ii, dtype=bool), 0.0, se)
    own_g = np.where(np.asarray(good_annex_ii, dtype=bool), 0.0, se)
    return x - own_p + own_g
